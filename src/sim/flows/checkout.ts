import { invalidRequest } from '../errors.js';
import type { StripeObject } from '../json.js';
import { buildCustomer } from '../objects/catalog.js';
import type { Invoice, Subscription } from '../objects/billing.js';
import type { CheckoutSession } from '../objects/checkout.js';
import type { PaymentIntent } from '../objects/payments.js';
import type { Sim } from '../sim.js';
import type { SessionOptions } from '../state.js';
import { startSubscription } from './billing.js';
import { createPayment, paymentInput } from './payments.js';

/** Lazily expire a session past its `expires_at`, as Stripe does. */
export function expireIfDue(sim: Sim, session: CheckoutSession): StripeObject[] {
  if (session.status !== 'open' || session.expires_at > Math.floor(Date.now() / 1000)) return [];
  session.status = 'expired';
  session.url = null;
  return [sim.event('checkout.session.expired', session, { account: sim.state.ownerOf(session.id) })];
}

export interface Completion {
  owner: string | null;
  options: SessionOptions;
  customer: string | null;
  buyerEmail: string;
}

/**
 * The buyer submitted the hosted page: the customer exists (subscriptions always need one;
 * payment mode only with customer_creation=always) and the session is complete, its payment
 * status still `unpaid` until the payment method says otherwise.
 */
export function completeSession(sim: Sim, session: CheckoutSession, email: string | null): Completion {
  if (session.status !== 'open') throw invalidRequest(`This Checkout Session is no longer active (status: ${session.status}).`);
  const owner = sim.state.ownerOf(session.id);
  const options = sim.state.sessionOptions.get(session.id);
  if (options === undefined) throw invalidRequest('This Checkout Session has no line items.');
  // A session for an existing customer pays as that customer (Checkout prefills its email).
  const known = session.customer === null ? undefined : sim.state.find(session.customer, 'customer')?.obj;
  const buyerEmail = email ?? (typeof known?.email === 'string' ? known.email : null) ?? session.customer_email ?? 'buyer@example.com';
  let customer = session.customer;
  if (customer === null && (session.mode === 'subscription' || options.customerCreation === 'always')) {
    const created = buildCustomer({ email: buyerEmail, name: null, description: null, metadata: {} });
    sim.state.put(created, owner);
    customer = created.id;
  }
  session.customer = customer;
  session.customer_details = { address: null, email: buyerEmail, name: null, phone: null, tax_exempt: 'none', tax_ids: [] };
  session.status = 'complete';
  session.url = null;
  return { owner, options, customer, buyerEmail };
}

/** The payment intent of a payment-mode session, as its options ask. */
export function sessionPayment(sim: Sim, session: CheckoutSession, done: Completion): PaymentIntent {
  const { intent } = createPayment(
    sim,
    done.owner,
    paymentInput(session.amount_total ?? 0, session.currency ?? 'usd', {
      customer: done.customer,
      description: done.options.paymentIntentDescription,
      metadata: structuredClone(done.options.paymentIntentMetadata),
      applicationFeeAmount: done.options.applicationFeeAmount,
      receiptEmail: done.buyerEmail,
    }),
  );
  session.payment_intent = intent.id;
  return intent;
}

/** The subscription a subscription-mode session starts, with its first invoice. */
export function sessionSubscription(sim: Sim, session: CheckoutSession, done: Completion, paid: boolean): { subscription: Subscription; invoice: Invoice } {
  const started = startSubscription(
    sim,
    done.owner,
    {
      customer: done.customer ?? '',
      lines: done.options.lines.filter((l) => l.price.recurring !== null),
      metadata: structuredClone(done.options.subscriptionMetadata),
      applicationFeePercent: done.options.applicationFeePercent,
      description: done.options.subscriptionDescription,
    },
    paid,
  );
  session.subscription = started.subscription.id;
  session.invoice = started.invoice.id;
  return started;
}

/**
 * The buyer paid by card on the hosted page. Subscription mode: customer, subscription, paid
 * invoice and its payment; payment mode: payment intent + charge. Events in the order Stripe
 * usually sends them.
 */
export function paySession(sim: Sim, session: CheckoutSession, email: string | null): StripeObject[] {
  const done = completeSession(sim, session, email);
  session.payment_status = 'paid';
  const account = { account: done.owner };
  if (session.mode === 'subscription' && done.customer !== null) {
    const { subscription, invoice } = sessionSubscription(sim, session, done, true);
    const intent = typeof invoice.payment_intent === 'string' ? sim.state.find(invoice.payment_intent, 'payment_intent')?.obj : undefined;
    return [
      sim.event('checkout.session.completed', session, account),
      sim.event('customer.subscription.created', subscription, account),
      sim.event('invoice.paid', invoice, account),
      sim.event('invoice.payment_succeeded', invoice, account),
      ...(intent === undefined ? [] : [sim.event('payment_intent.succeeded', intent, account)]),
    ];
  }
  const intent = sessionPayment(sim, session, done);
  return [sim.event('checkout.session.completed', session, account), sim.event('payment_intent.succeeded', intent, account)];
}
