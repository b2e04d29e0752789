import { applyAccountDeauthorized, applyAccountUpdated } from '../accounts/events.js';
import { applyCheckoutAsyncPaymentFailed, applyCheckoutCompleted } from './handlers/checkout.js';
import { applyInvoiceEvent } from './handlers/invoices.js';
import {
  applyChargeRefunded,
  applyDisputeCreated,
  applyPaymentIntentSucceeded,
  applyTransferCreated,
} from './handlers/payments.js';
import { applySubscriptionEvent } from './handlers/subscriptions.js';
import type { EventHandler } from './types.js';

/** Event type → the handler that applies it. Any type not here is recorded as ignored. */
export type HandlerTable = Readonly<Record<string, EventHandler>>;

export const eventHandlers: HandlerTable = {
  'payment_intent.succeeded': applyPaymentIntentSucceeded,
  'charge.refunded': applyChargeRefunded,
  'charge.dispute.created': applyDisputeCreated,
  'transfer.created': applyTransferCreated,
  'account.updated': applyAccountUpdated,
  'account.application.deauthorized': applyAccountDeauthorized,
  'checkout.session.completed': applyCheckoutCompleted,
  'checkout.session.async_payment_succeeded': applyCheckoutCompleted,
  'checkout.session.async_payment_failed': applyCheckoutAsyncPaymentFailed,
  'customer.subscription.created': applySubscriptionEvent,
  'customer.subscription.updated': applySubscriptionEvent,
  'customer.subscription.deleted': applySubscriptionEvent,
  'invoice.payment_failed': applyInvoiceEvent,
  'invoice.paid': applyInvoiceEvent,
};
