import { invalidRequest } from '../errors.js';
import type { StripeObject } from '../json.js';
import { buildCustomer } from '../objects/catalog.js';
import type { CheckoutSession } from '../objects/checkout.js';
import type { Sim } from '../sim.js';
import { startSubscription } from './billing.js';
import { createPayment, paymentInput } from './payments.js';

/** Lazily expire a session past its `expires_at`, as Stripe does. */
export function expireIfDue(sim: Sim, session: CheckoutSession): StripeObject[] {
  if (session.status !== 'open' || session.expires_at > Math.floor(Date.now() / 1000)) return [];
  session.status = 'expired';
  session.url = null;
  return [sim.event('checkout.session.expired', session, { account: sim.state.ownerOf(session.id) })];
}

/**
 * The buyer paid on the hosted page. Subscription mode: customer, subscription, paid invoice;
 * payment mode: payment intent + charge. Events in the order Stripe usually sends them.
 */
export function paySession(sim: Sim, session: CheckoutSession, email: string | null): StripeObject[] {
  if (session.status !== 'open') throw invalidRequest(`This Checkout Session is no longer active (status: ${session.status}).`);
  const owner = sim.state.ownerOf(session.id);
  const options = sim.state.sessionOptions.get(session.id);
  if (options === undefined) throw invalidRequest('This Checkout Session has no line items.');
  // A session for an existing customer pays as that customer (Checkout prefills its email).
  const known = session.customer === null ? undefined : sim.state.find(session.customer, 'customer')?.obj;
  const buyerEmail = email ?? (typeof known?.email === 'string' ? known.email : null) ?? session.customer_email ?? 'buyer@example.com';
  // Payment mode creates a customer only when asked (customer_creation=always); subscriptions always need one.
  let customer = session.customer;
  if (customer === null && (session.mode === 'subscription' || options.customerCreation === 'always')) {
    const created = buildCustomer({ email: buyerEmail, name: null, description: null, metadata: {} });
    sim.state.put(created, owner);
    customer = created.id;
  }
  session.customer = customer;
  session.customer_details = { address: null, email: buyerEmail, name: null, phone: null, tax_exempt: 'none', tax_ids: [] };
  session.status = 'complete';
  session.payment_status = 'paid';
  session.url = null;
  const total = session.amount_total ?? 0;
  if (session.mode === 'subscription' && customer !== null) {
    const { subscription, invoice } = startSubscription(sim, owner, {
      customer,
      lines: options.lines.filter((l) => l.price.recurring !== null),
      metadata: structuredClone(options.subscriptionMetadata),
      applicationFeePercent: options.applicationFeePercent,
      description: options.subscriptionDescription,
    });
    session.subscription = subscription.id;
    session.invoice = invoice.id;
    return [
      sim.event('checkout.session.completed', session, { account: owner }),
      sim.event('customer.subscription.created', subscription, { account: owner }),
      sim.event('invoice.paid', invoice, { account: owner }),
    ];
  }
  const { intent } = createPayment(
    sim,
    owner,
    paymentInput(total, session.currency ?? 'usd', {
      customer,
      description: options.paymentIntentDescription,
      metadata: structuredClone(options.paymentIntentMetadata),
      applicationFeeAmount: options.applicationFeeAmount,
      receiptEmail: buyerEmail,
    }),
  );
  session.payment_intent = intent.id;
  return [
    sim.event('checkout.session.completed', session, { account: owner }),
    sim.event('payment_intent.succeeded', intent, { account: owner }),
  ];
}
