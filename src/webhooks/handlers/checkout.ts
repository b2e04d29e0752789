import type Stripe from 'stripe';
import { grantTargetFromMetadata } from '../../entitlements/grants.js';
import { notify } from '../../notify.js';
import { grantPurchase } from '../grant-writes.js';
import { ignored, processed, type EventHandler } from '../types.js';

const idOf = (v: string | { id: string } | null | undefined): string | null => (typeof v === 'string' ? v : (v?.id ?? null));

// Asynchronous payment methods complete the session unpaid; access waits for the money.
const PAID = new Set(['paid', 'no_payment_required']);

/**
 * What a paid session's grant is backed by: its subscription, or its payment intent. A payment
 * that cost nothing (a 100% coupon: `no_payment_required`) has no payment intent; the session
 * itself is then the payment. https://docs.stripe.com/payments/checkout/no-cost-orders
 */
export function checkoutSource(session: Stripe.Checkout.Session): { sourceType: 'subscription' | 'payment'; sourceId: string } | null {
  const subscriptionId = idOf(session.subscription);
  const intentId = idOf(session.payment_intent);
  if (session.mode === 'subscription') return subscriptionId ? { sourceType: 'subscription', sourceId: subscriptionId } : null;
  if (session.mode !== 'payment') return null;
  if (intentId) return { sourceType: 'payment', sourceId: intentId };
  return session.payment_status === 'no_payment_required' ? { sourceType: 'payment', sourceId: session.id } : null;
}

/**
 * Grants the session's `nself_capabilities` to its `nself_entity_id`, backed by the
 * subscription (subscription mode) or the payment. A subscription event that came first
 * already made the grant; this only fills in the session's references. A session paid by a
 * delayed method (bank debits) completes `unpaid` and grants on
 * `checkout.session.async_payment_succeeded`, which carries it `paid`.
 * https://docs.stripe.com/checkout/fulfillment#delayed-notification
 */
export const applyCheckoutCompleted: EventHandler = async (tx, event, ctx) => {
  if (event.type !== 'checkout.session.completed' && event.type !== 'checkout.session.async_payment_succeeded') return ignored('unexpected_type');
  const session = event.data.object;
  const target = grantTargetFromMetadata(session.metadata);
  if (!target) return ignored('no_entitlement_metadata');
  if (!PAID.has(session.payment_status)) return ignored(`payment_status_${session.payment_status}`);
  const source = checkoutSource(session);
  if (!source) return ignored(`unsupported_session_mode_${session.mode}`);
  await grantPurchase(tx, {
    tenantId: ctx.tenantId,
    target,
    ...source,
    accountId: event.account ?? null,
    customerId: idOf(session.customer),
    checkoutSessionId: session.id,
  });
  return processed;
};

/** The delayed payment failed: nothing is granted, and the platform hears of it (ids only). */
export const applyCheckoutAsyncPaymentFailed: EventHandler = async (tx, event, ctx) => {
  if (event.type !== 'checkout.session.async_payment_failed') return ignored('unexpected_type');
  const session = event.data.object;
  const target = grantTargetFromMetadata(session.metadata);
  if (!target) return ignored('no_entitlement_metadata');
  await notify(tx, ctx.logger, {
    kind: 'checkout.session.async_payment_failed',
    tenant_id: ctx.tenantId,
    event_id: event.id,
    stripe_account_id: event.account ?? null,
    entity_id: target.entityId,
    checkout_session_id: session.id,
    payment_intent_id: idOf(session.payment_intent),
    subscription_id: idOf(session.subscription),
    customer_id: idOf(session.customer),
  });
  return processed;
};
