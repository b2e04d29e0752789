import Stripe from 'stripe';
import { syncGrantsFromSubscription } from '../../entitlements/grants.js';
import { notify } from '../../notify.js';
import { fetchInvoice, fetchSubscription } from '../../stripe/fetched.js';
import { readInvoice, type Invoice } from '../../stripe/objects/invoice.js';
import type { Subscription } from '../../stripe/objects/subscription.js';
import { lockPaymentFlags, setPaymentFailed } from '../grant-writes.js';
import { ignored, objectHandler, processed, type EventEnvelope, type EventHandler, type HandlerContext } from '../types.js';

/** What Stripe's current invoice says about the payment: only an attempted, unpaid invoice is a failure. */
function failedPer(invoice: Invoice): boolean {
  return (invoice.status === 'open' || invoice.status === 'uncollectible') && invoice.attempted;
}

/**
 * The grants of the invoice's subscription, locked. None yet (the invoice overtook every
 * subscription event): they are made from the subscription as Stripe has it now.
 */
async function grantsOf(tx: Parameters<EventHandler>[0], event: EventEnvelope, subscriptionId: string, ctx: HandlerContext) {
  const accountId = event.account ?? null;
  const rows = await lockPaymentFlags(tx, ctx.tenantId, subscriptionId, accountId);
  if (rows.length > 0) return rows;
  const fetchedAt = new Date();
  let subscription: Subscription;
  try {
    subscription = await fetchSubscription(ctx.stripe, subscriptionId, accountId);
  } catch (err) {
    // No such subscription under this account: nothing of ours to flag, and a retry would not change that.
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing') return [];
    throw err;
  }
  await syncGrantsFromSubscription(tx, {
    tenantId: ctx.tenantId,
    subscription,
    accountId,
    eventCreated: null,
    fetched: true,
    fetchedAt,
  });
  return lockPaymentFlags(tx, ctx.tenantId, subscriptionId, accountId);
}

/**
 * invoice.payment_failed flags the subscription's grants (and notifies); invoice.paid clears
 * the flag. The flag follows the newest invoice event; a same-second tie asks Stripe. The
 * subscription comes from `subscription` (acacia) or `parent.subscription_details` (basil).
 */
export const applyInvoiceEvent = objectHandler(readInvoice, async (tx, event, invoice, ctx) => {
  const subscriptionId = invoice.subscriptionId;
  if (!subscriptionId) return ignored('invoice_without_subscription');
  const rows = await grantsOf(tx, event, subscriptionId, ctx);
  if (rows.length === 0) return ignored('no_entitlement_metadata');

  const created = new Date(event.created * 1000);
  const tie = rows.some((r) => r.payment_event_created?.getTime() === created.getTime());
  const reportsFailure = event.type === 'invoice.payment_failed';
  const failed = tie ? failedPer(await fetchInvoice(ctx.stripe, invoice.id, event.account ?? null)) : reportsFailure;
  const changed = await setPaymentFailed(tx, {
    tenantId: ctx.tenantId,
    subscriptionId,
    accountId: event.account ?? null,
    failed,
    eventCreated: created,
    orEqual: tie,
  });
  if (changed.length > 0 && failed && reportsFailure) {
    await notify(tx, ctx.logger, {
      kind: 'invoice.payment_failed',
      tenant_id: ctx.tenantId,
      event_id: event.id,
      stripe_account_id: event.account ?? null,
      invoice_id: invoice.id,
      subscription_id: subscriptionId,
      customer_id: invoice.customerId,
      amount_due: invoice.amountDue,
      currency: invoice.currency,
      // Ids only: a listener reads the grants by subscription id (a list could pass pg_notify's limit).
      grants_flagged: changed.length,
    });
  }
  return processed;
});
