import Stripe from 'stripe';
import { syncGrantsFromSubscription } from '../../entitlements/grants.js';
import { notify } from '../../notify.js';
import { lockPaymentFlags, setPaymentFailed } from '../grant-writes.js';
import { ignored, processed, type EventHandler, type HandlerContext } from '../types.js';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The invoice's subscription: `subscription`, or `parent.subscription_details` in later API versions. */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const own: unknown = (invoice as unknown as Json).subscription;
  if (typeof own === 'string') return own;
  if (isRecord(own) && typeof own.id === 'string') return own.id;
  const parent: unknown = (invoice as unknown as Json).parent;
  const details = isRecord(parent) ? parent.subscription_details : null;
  return isRecord(details) && typeof details.subscription === 'string' ? details.subscription : null;
}

/** What Stripe's current invoice says about the payment: only an attempted, unpaid invoice is a failure. */
function failedPer(invoice: Stripe.Invoice): boolean {
  return (invoice.status === 'open' || invoice.status === 'uncollectible') && invoice.attempted;
}

const stripeAccount = (event: Stripe.Event) => (event.account ? { stripeAccount: event.account } : undefined);

/**
 * The grants of the invoice's subscription, locked. None yet (the invoice overtook every
 * subscription event): they are made from the subscription as Stripe has it now.
 */
async function grantsOf(tx: Parameters<EventHandler>[0], event: Stripe.Event, subscriptionId: string, ctx: HandlerContext) {
  const accountId = event.account ?? null;
  const rows = await lockPaymentFlags(tx, ctx.tenantId, subscriptionId, accountId);
  if (rows.length > 0) return rows;
  const fetchedAt = new Date();
  let subscription: Stripe.Subscription;
  try {
    subscription = await ctx.stripe.subscriptions.retrieve(subscriptionId, {}, stripeAccount(event));
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
 * the flag. The flag follows the newest invoice event; a same-second tie asks Stripe.
 */
export const applyInvoiceEvent: EventHandler = async (tx, event, ctx) => {
  if (event.type !== 'invoice.payment_failed' && event.type !== 'invoice.paid') return ignored('unexpected_type');
  const invoice = event.data.object;
  const subscriptionId = invoiceSubscriptionId(invoice);
  if (!subscriptionId) return ignored('invoice_without_subscription');
  const rows = await grantsOf(tx, event, subscriptionId, ctx);
  if (rows.length === 0) return ignored('no_entitlement_metadata');

  const created = new Date(event.created * 1000);
  const tie = rows.some((r) => r.payment_event_created?.getTime() === created.getTime());
  let failed = event.type === 'invoice.payment_failed';
  if (tie) failed = failedPer(await ctx.stripe.invoices.retrieve(invoice.id, {}, stripeAccount(event)));
  const changed = await setPaymentFailed(tx, {
    tenantId: ctx.tenantId,
    subscriptionId,
    accountId: event.account ?? null,
    failed,
    eventCreated: created,
    orEqual: tie,
  });
  if (changed.length > 0 && failed && event.type === 'invoice.payment_failed') {
    await notify(tx, ctx.logger, {
      kind: 'invoice.payment_failed',
      tenant_id: ctx.tenantId,
      event_id: event.id,
      stripe_account_id: event.account ?? null,
      invoice_id: invoice.id,
      subscription_id: subscriptionId,
      customer_id: typeof invoice.customer === 'string' ? invoice.customer : (invoice.customer?.id ?? null),
      amount_due: invoice.amount_due,
      currency: invoice.currency,
      // Ids only: a listener reads the grants by subscription id (a list could pass pg_notify's limit).
      grants_flagged: changed.length,
    });
  }
  return processed;
};
