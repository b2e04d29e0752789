import { now } from '../ids.js';
import { previousAttributes, type JsonObject, type StripeObject } from '../json.js';
import { buildInvoice, buildSubscription, type Invoice, type Subscription, type SubscriptionLine } from '../objects/billing.js';
import { isKind } from '../objects/guards.js';
import type { Charge, PaymentIntent } from '../objects/payments.js';
import type { RequestInfo, Sim } from '../sim.js';
import { createPayment, paymentInput } from './payments.js';

function accountCountry(sim: Sim, owner: string | null): string {
  const acct = owner === null ? undefined : sim.state.find(owner, 'account')?.obj;
  return typeof acct?.country === 'string' ? acct.country : 'US';
}

function customerEmail(sim: Sim, customer: string): string | null {
  const obj = sim.state.find(customer, 'customer')?.obj;
  return typeof obj?.email === 'string' ? obj.email : null;
}

/** The subscription's items as invoice lines (prices looked up again: items hold copies). */
export function linesOf(sim: Sim, sub: Subscription): SubscriptionLine[] {
  const items = Array.isArray(sub.items.data) ? sub.items.data : [];
  const lines: SubscriptionLine[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    const price = item.price;
    const id = typeof price === 'object' && price !== null && !Array.isArray(price) ? price.id : undefined;
    const stored = typeof id === 'string' ? sim.state.find(id, 'price')?.obj : undefined;
    if (isKind(stored, 'price')) lines.push({ price: stored, quantity: typeof item.quantity === 'number' ? item.quantity : 1 });
  }
  return lines;
}

/** An open invoice for the subscription's current period. */
export function openInvoice(sim: Sim, sub: Subscription, billingReason: string): Invoice {
  const owner = sim.state.ownerOf(sub.id);
  const invoice = buildInvoice({
    customer: sub.customer,
    customerEmail: customerEmail(sim, sub.customer),
    subscription: sub,
    lines: linesOf(sim, sub),
    billingReason,
    accountCountry: accountCountry(sim, owner),
  });
  sim.state.put(invoice, owner);
  sub.latest_invoice = invoice.id;
  return invoice;
}

/** Charge the invoice: payment intent + charge, invoice `paid`. */
export function payInvoice(sim: Sim, invoice: Invoice, applicationFeePercent: number | null): void {
  const { intent, charge } = chargeInvoice(sim, invoice, applicationFeePercent);
  markInvoicePaid(invoice, intent.id, charge.id);
}

/** The invoice's payment (intent + charge, succeeded as built), not yet applied to the invoice. */
export function chargeInvoice(sim: Sim, invoice: Invoice, applicationFeePercent: number | null): { intent: PaymentIntent; charge: Charge } {
  const owner = sim.state.ownerOf(invoice.id);
  const fee = applicationFeePercent === null ? null : Math.round((invoice.amount_due * applicationFeePercent) / 100);
  return createPayment(
    sim,
    owner,
    paymentInput(invoice.amount_due, typeof invoice.currency === 'string' ? invoice.currency : 'usd', {
      customer: invoice.customer,
      invoice: invoice.id,
      description: invoice.subscription === null ? null : 'Subscription creation',
      applicationFeeAmount: fee,
      receiptEmail: customerEmail(sim, invoice.customer),
    }),
  );
}

export function markInvoicePaid(invoice: Invoice, intentId: string, chargeId: string): void {
  const at = now();
  invoice.paid = true;
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.attempted = true;
  invoice.attempt_count += 1;
  invoice.charge = chargeId;
  invoice.payment_intent = intentId;
  invoice.next_payment_attempt = null;
  invoice.status_transitions = { ...invoice.status_transitions, paid_at: at };
}

export function failInvoice(invoice: Invoice): void {
  invoice.status = 'open';
  invoice.paid = false;
  invoice.attempted = true;
  invoice.attempt_count += 1;
  invoice.next_payment_attempt = now() + 3 * 86400;
}

/**
 * A new active subscription with its first invoice paid; or, with `paid` false, `incomplete`
 * with its first invoice open until its payment succeeds (a delayed payment method).
 */
export function startSubscription(
  sim: Sim,
  owner: string | null,
  input: Parameters<typeof buildSubscription>[0],
  paid = true,
): { subscription: Subscription; invoice: Invoice } {
  const subscription = buildSubscription(input);
  if (!paid) subscription.status = 'incomplete';
  sim.state.put(subscription, owner);
  const invoice = openInvoice(sim, subscription, 'subscription_create');
  if (paid) payInvoice(sim, invoice, input.applicationFeePercent);
  return { subscription, invoice };
}

export function cancelSubscription(sim: Sim, sub: Subscription, request?: RequestInfo): StripeObject[] {
  const before: JsonObject = structuredClone(sub);
  const at = now();
  sub.status = 'canceled';
  sub.canceled_at = at;
  sub.ended_at = at;
  sub.cancel_at_period_end = false;
  sub.cancellation_details = { comment: null, feedback: null, reason: 'cancellation_requested' };
  const owner = sim.state.ownerOf(sub.id);
  return [sim.event('customer.subscription.deleted', sub, { account: owner, previous: previousAttributes(before, sub), request })];
}

export function updateSubscription(sim: Sim, sub: Subscription, change: (s: Subscription) => void, request?: RequestInfo): StripeObject[] {
  const before: JsonObject = structuredClone(sub);
  change(sub);
  const previous = previousAttributes(before, sub);
  if (Object.keys(previous).length === 0) return [];
  return [sim.event('customer.subscription.updated', sub, { account: sim.state.ownerOf(sub.id), previous, request })];
}

function subscriptionOf(sim: Sim, invoice: Invoice): Subscription | undefined {
  const obj = invoice.subscription === null ? undefined : sim.state.find(invoice.subscription, 'subscription')?.obj;
  return isKind(obj, 'subscription') ? obj : undefined;
}

/** A payment attempt failed: `invoice.payment_failed`, and an active subscription goes past_due. */
export function invoiceFailed(sim: Sim, invoice: Invoice): StripeObject[] {
  const owner = sim.state.ownerOf(invoice.id);
  failInvoice(invoice);
  const events = [sim.event('invoice.payment_failed', invoice, { account: owner })];
  const sub = subscriptionOf(sim, invoice);
  if (sub && (sub.status === 'active' || sub.status === 'trialing')) {
    events.push(...updateSubscription(sim, sub, (s) => (s.status = 'past_due')));
  }
  return events;
}

/** The invoice was paid: `invoice.paid`, and a past_due/unpaid subscription is active again. */
export function invoicePaid(sim: Sim, invoice: Invoice): StripeObject[] {
  const owner = sim.state.ownerOf(invoice.id);
  const sub = subscriptionOf(sim, invoice);
  const fee = typeof sub?.application_fee_percent === 'number' ? sub.application_fee_percent : null;
  payInvoice(sim, invoice, fee);
  const events = [sim.event('invoice.paid', invoice, { account: owner })];
  if (sub && (sub.status === 'past_due' || sub.status === 'unpaid' || sub.status === 'incomplete')) {
    events.push(...updateSubscription(sim, sub, (s) => (s.status = 'active')));
  }
  return events;
}

/** POST /_sim/subscriptions/:id/status — the business events Stripe would send for that change. */
export function setSubscriptionStatus(sim: Sim, sub: Subscription, status: string): StripeObject[] {
  if (status === 'canceled') return cancelSubscription(sim, sub);
  if (status === 'past_due') {
    const invoice = openInvoice(sim, sub, 'subscription_cycle');
    const owner = sim.state.ownerOf(sub.id);
    failInvoice(invoice);
    const failed = sim.event('invoice.payment_failed', invoice, { account: owner });
    return [failed, ...updateSubscription(sim, sub, (s) => (s.status = 'past_due'))];
  }
  if (status === 'active') {
    const latest = sub.latest_invoice === null ? undefined : sim.state.find(sub.latest_invoice, 'invoice')?.obj;
    if (isKind(latest, 'invoice') && !latest.paid) return invoicePaid(sim, latest);
    return updateSubscription(sim, sub, (s) => (s.status = 'active'));
  }
  return updateSubscription(sim, sub, (s) => (s.status = status));
}
