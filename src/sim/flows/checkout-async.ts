import { invalidRequest } from '../errors.js';
import type { StripeObject } from '../json.js';
import { asPendingBankDebit, settleBankDebit, type Settlement } from '../objects/bank-debit.js';
import type { Invoice } from '../objects/billing.js';
import type { CheckoutSession } from '../objects/checkout.js';
import { isKind } from '../objects/guards.js';
import type { Charge, PaymentIntent } from '../objects/payments.js';
import type { Sim } from '../sim.js';
import { chargeInvoice, failInvoice, markInvoicePaid, updateSubscription } from './billing.js';
import { completeSession, sessionPayment, sessionSubscription } from './checkout.js';

/**
 * Checkout with a delayed-notification payment method (a US bank debit): the session completes
 * `unpaid`, and `checkout.session.async_payment_succeeded` or `…_failed` follows when the bank
 * answers (here: POST /_sim/checkout_sessions/:id/settle).
 * https://docs.stripe.com/checkout/fulfillment#delayed-notification
 */
export function paySessionByBankDebit(sim: Sim, session: CheckoutSession, email: string | null): StripeObject[] {
  const done = completeSession(sim, session, email);
  session.payment_status = 'unpaid';
  const account = { account: done.owner };
  if (session.mode === 'subscription' && done.customer !== null) {
    // The first invoice stays open and the subscription incomplete until the debit settles.
    const { subscription, invoice } = sessionSubscription(sim, session, done, false);
    const fee = typeof subscription.application_fee_percent === 'number' ? subscription.application_fee_percent : null;
    const { intent, charge } = chargeInvoice(sim, invoice, fee);
    asPendingBankDebit(intent, charge);
    // Attempted; the attempt is counted when the bank answers.
    invoice.payment_intent = intent.id;
    invoice.charge = charge.id;
    invoice.attempted = true;
    return [
      sim.event('checkout.session.completed', session, account),
      sim.event('customer.subscription.created', subscription, account),
      sim.event('payment_intent.processing', intent, account),
    ];
  }
  const intent = sessionPayment(sim, session, done);
  const charge = chargeOf(sim, intent);
  asPendingBankDebit(intent, charge);
  return [sim.event('checkout.session.completed', session, account), sim.event('payment_intent.processing', intent, account)];
}

function chargeOf(sim: Sim, intent: PaymentIntent): Charge {
  const charge = intent.latest_charge === null ? undefined : sim.state.find(intent.latest_charge, 'charge')?.obj;
  if (!isKind(charge, 'charge')) throw invalidRequest(`Payment intent ${intent.id} has no charge.`);
  return charge;
}

/** The session's pending payment: its own intent, or its first invoice's. */
function pendingPayment(sim: Sim, session: CheckoutSession): { intent: PaymentIntent; invoice: Invoice | undefined } {
  const invoice = session.invoice === null ? undefined : sim.state.find(session.invoice, 'invoice')?.obj;
  const intentId = isKind(invoice, 'invoice') ? invoice.payment_intent : session.payment_intent;
  const intent = intentId === null ? undefined : sim.state.find(intentId, 'payment_intent')?.obj;
  if (session.status !== 'complete' || session.payment_status !== 'unpaid' || !isKind(intent, 'payment_intent') || intent.status !== 'processing') {
    throw invalidRequest(`Checkout Session ${session.id} has no payment waiting to settle (status: ${session.status}, payment_status: ${session.payment_status}).`);
  }
  return { intent, invoice: isKind(invoice, 'invoice') ? invoice : undefined };
}

/**
 * The bank answered. Succeeded: the payment (and a subscription's first invoice) is paid and
 * the subscription active, then `checkout.session.async_payment_succeeded` with the session
 * `paid`. Failed: the payment fails (and the invoice), then `…async_payment_failed`; the
 * subscription stays incomplete (Stripe expires it after 23 hours, not modelled).
 */
export function settleSession(sim: Sim, session: CheckoutSession, outcome: Settlement): StripeObject[] {
  const { intent, invoice } = pendingPayment(sim, session);
  const charge = chargeOf(sim, intent);
  const account = { account: sim.state.ownerOf(session.id) };
  settleBankDebit(intent, charge, outcome);
  const events: StripeObject[] = [];
  if (outcome === 'succeeded') {
    if (invoice !== undefined) {
      markInvoicePaid(invoice, intent.id, charge.id);
      events.push(sim.event('invoice.paid', invoice, account), sim.event('invoice.payment_succeeded', invoice, account));
    }
    events.push(sim.event('payment_intent.succeeded', intent, account));
    const sub = session.subscription === null ? undefined : sim.state.find(session.subscription, 'subscription')?.obj;
    if (isKind(sub, 'subscription')) events.push(...updateSubscription(sim, sub, (s) => (s.status = 'active')));
    session.payment_status = 'paid';
    events.push(sim.event('checkout.session.async_payment_succeeded', session, account));
    return events;
  }
  if (invoice !== undefined) {
    failInvoice(invoice);
    events.push(sim.event('invoice.payment_failed', invoice, account));
  }
  events.push(sim.event('payment_intent.payment_failed', intent, account));
  events.push(sim.event('checkout.session.async_payment_failed', session, account));
  return events;
}
