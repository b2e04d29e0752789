import { SimError } from './errors.js';
import { completeOnboarding, createOnboardedAccount, deauthorizeAccount } from './flows/accounts.js';
import { cancelSubscription, invoiceFailed, openInvoice, startSubscription, updateSubscription } from './flows/billing.js';
import { paySessionByBankDebit, settleSession } from './flows/checkout-async.js';
import { paySession } from './flows/checkout.js';
import { createPayment, disputeCharge, paymentInput, refundCharge } from './flows/payments.js';
import { deepMerge, type JsonObject, type StripeObject } from './json.js';
import { buildCustomer, buildPrice, buildProduct, type Price } from './objects/catalog.js';
import { buildLineItem, buildSession, type CheckoutSession } from './objects/checkout.js';
import { isKind } from './objects/guards.js';
import { buildTransfer } from './objects/payments.js';
import type { Sim } from './sim.js';

export interface TriggerInput {
  type: string;
  account: string | null;
  overrides: JsonObject;
  mode: 'payment' | 'subscription';
}

export interface TriggerResult {
  object: StripeObject;
  /** Every event the scenario produced, in order; the caller delivers those of `type` (or all). */
  events: StripeObject[];
}

type Scenario = (sim: Sim, input: TriggerInput, account: string | null) => TriggerResult;

/** Platform events stay on the platform unless an account is named; Connect events need one. */
const PLATFORM_TYPES = new Set(['payment_intent.succeeded', 'charge.refunded', 'charge.dispute.created', 'transfer.created']);

function catalog(sim: Sim, owner: string | null, recurring: boolean): Price {
  const product = sim.state.put(buildProduct({ name: recurring ? 'Pro plan' : 'Lifetime pass', description: null, active: true, metadata: {} }), owner);
  const price = buildPrice({ product: product.id, currency: 'usd', unitAmount: recurring ? 2000 : 5000, interval: recurring ? 'month' : null, intervalCount: 1, lookupKey: null, nickname: null, active: true, metadata: {} });
  product.default_price = price.id;
  return sim.state.put(price, owner);
}

function subscription(sim: Sim, input: TriggerInput, owner: string | null, merge: boolean) {
  const price = catalog(sim, owner, true);
  const customer = sim.state.put(buildCustomer({ email: 'buyer@example.com', name: null, description: null, metadata: {} }), owner);
  const metadata: JsonObject = merge && typeof input.overrides.metadata === 'object' && input.overrides.metadata !== null && !Array.isArray(input.overrides.metadata) ? input.overrides.metadata : {};
  const started = startSubscription(sim, owner, { customer: customer.id, lines: [{ price, quantity: 1 }], metadata: structuredClone(metadata), applicationFeePercent: null, description: null });
  if (merge) deepMerge(started.subscription, input.overrides);
  return started;
}

function payment(sim: Sim, input: TriggerInput, owner: string | null) {
  const result = createPayment(sim, owner, paymentInput(2000, 'usd', { description: '(created by Stripe simulator trigger)' }));
  return result;
}

/** An open Checkout Session for a fresh price, with the overrides' metadata on it and on what it creates. */
function openSession(sim: Sim, input: TriggerInput, owner: string | null): CheckoutSession {
  const price = catalog(sim, owner, input.mode === 'subscription');
  const lines = [{ price, quantity: 1 }];
  const metadata: JsonObject = typeof input.overrides.metadata === 'object' && input.overrides.metadata !== null && !Array.isArray(input.overrides.metadata) ? input.overrides.metadata : {};
  const session = buildSession({ mode: input.mode, uiMode: 'hosted', lines, successUrl: 'https://example.com/success', cancelUrl: 'https://example.com/cancel', returnUrl: null, customer: null, customerEmail: 'buyer@example.com', clientReferenceId: null, metadata: structuredClone(metadata), publicUrl: sim.config.publicUrl, expiresAt: null });
  deepMerge(session, input.overrides);
  sim.state.put(session, owner);
  sim.state.sessionLineItems.set(session.id, lines.map((l) => buildLineItem(l, 'Pro plan')));
  sim.state.sessionOptions.set(session.id, { lines, subscriptionMetadata: structuredClone(metadata), subscriptionDescription: null, applicationFeePercent: null, paymentIntentMetadata: structuredClone(metadata), paymentIntentDescription: null, applicationFeeAmount: null, customerCreation: null });
  return session;
}

const SCENARIOS: Record<string, Scenario> = {
  'payment_intent.succeeded': (sim, input, owner) => {
    const { intent } = payment(sim, input, owner);
    deepMerge(intent, input.overrides);
    return { object: intent, events: [sim.event('payment_intent.succeeded', intent, { account: owner })] };
  },
  'charge.refunded': (sim, input, owner) => {
    const { charge } = payment(sim, input, owner);
    deepMerge(charge, input.overrides);
    return { object: charge, events: refundCharge(sim, charge, undefined, 'requested_by_customer').events };
  },
  'charge.dispute.created': (sim, input, owner) => {
    const { charge } = payment(sim, input, owner);
    const { dispute, events } = disputeCharge(sim, charge, 'fraudulent', input.overrides);
    return { object: dispute, events };
  },
  'transfer.created': (sim, input, owner) => {
    const destination = owner ?? createOnboardedAccount(sim, 'seller@example.com').id;
    const transfer = buildTransfer({ amount: 1500, currency: 'usd', destination, description: null, metadata: {}, transferGroup: null });
    deepMerge(transfer, input.overrides);
    sim.state.put(transfer, null);
    return { object: transfer, events: [sim.event('transfer.created', transfer, { account: null })] };
  },
  'account.updated': (sim, input, owner) => {
    const account = sim.state.find(owner ?? '', 'account')?.obj;
    if (!isKind(account, 'account')) throw new SimError(404, { message: `No such account: ${owner ?? ''}` });
    if (!account.details_submitted) return { object: account, events: completeOnboarding(sim, account) };
    const before: JsonObject = structuredClone(account);
    deepMerge(account, Object.keys(input.overrides).length > 0 ? input.overrides : { metadata: { triggered_at: String(Date.now()) } });
    const previous: JsonObject = {};
    for (const k of Object.keys(input.overrides).length > 0 ? Object.keys(input.overrides) : ['metadata']) previous[k] = before[k] ?? null;
    return { object: account, events: [sim.event('account.updated', account, { account: account.id, previous })] };
  },
  'account.application.deauthorized': (sim, _input, owner) => {
    const account = sim.state.find(owner ?? '', 'account')?.obj;
    if (account === undefined) throw new SimError(404, { message: `No such account: ${owner ?? ''}` });
    return { object: account, events: deauthorizeAccount(sim, account.id) };
  },
  'checkout.session.completed': (sim, input, owner) => {
    const session = openSession(sim, input, owner);
    return { object: session, events: paySession(sim, session, 'buyer@example.com') };
  },
  // A bank debit: the session completes unpaid, then the bank answers.
  'checkout.session.async_payment_succeeded': (sim, input, owner) => {
    const session = openSession(sim, input, owner);
    const events = paySessionByBankDebit(sim, session, 'buyer@example.com');
    return { object: session, events: [...events, ...settleSession(sim, session, 'succeeded')] };
  },
  'checkout.session.async_payment_failed': (sim, input, owner) => {
    const session = openSession(sim, input, owner);
    const events = paySessionByBankDebit(sim, session, 'buyer@example.com');
    return { object: session, events: [...events, ...settleSession(sim, session, 'failed')] };
  },
  'customer.subscription.created': (sim, input, owner) => {
    const { subscription: sub } = subscription(sim, input, owner, true);
    return { object: sub, events: [sim.event('customer.subscription.created', sub, { account: owner })] };
  },
  'customer.subscription.updated': (sim, input, owner) => {
    const { subscription: sub } = subscription(sim, input, owner, false);
    const change = Object.keys(input.overrides).length > 0 ? input.overrides : { cancel_at_period_end: true, cancel_at: sub.current_period_end };
    return { object: sub, events: updateSubscription(sim, sub, (s) => deepMerge(s, change)) };
  },
  'customer.subscription.deleted': (sim, input, owner) => {
    const { subscription: sub } = subscription(sim, input, owner, true);
    return { object: sub, events: cancelSubscription(sim, sub) };
  },
  'invoice.payment_failed': (sim, input, owner) => {
    const { subscription: sub } = subscription(sim, input, owner, true);
    const invoice = openInvoice(sim, sub, 'subscription_cycle');
    return { object: invoice, events: invoiceFailed(sim, invoice) };
  },
  'invoice.paid': (sim, input, owner) => {
    const { invoice } = subscription(sim, input, owner, true);
    return { object: invoice, events: [sim.event('invoice.paid', invoice, { account: owner })] };
  },
};

export const TRIGGER_TYPES = Object.keys(SCENARIOS);

/** Like `stripe trigger <type>`: create a plausible object and its dependencies, return the events. */
export function runTrigger(sim: Sim, input: TriggerInput): TriggerResult {
  const scenario = SCENARIOS[input.type];
  if (scenario === undefined) throw new SimError(400, { message: `Unsupported trigger type: ${input.type}. Supported: ${TRIGGER_TYPES.join(', ')}` });
  let account = input.account;
  if (account === null && !PLATFORM_TYPES.has(input.type)) account = createOnboardedAccount(sim, 'seller@example.com').id;
  if (account !== null && sim.state.find(account, 'account') === undefined) throw new SimError(404, { message: `No such account: ${account}` });
  return scenario(sim, input, account);
}
