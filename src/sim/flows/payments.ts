import { invalidRequest } from '../errors.js';
import { deepMerge, previousAttributes, type JsonObject, type StripeObject } from '../json.js';
import { buildDispute, buildPayment, buildRefund, type Charge, type PaymentInput, type PaymentIntent } from '../objects/payments.js';
import type { RequestInfo, Sim } from '../sim.js';

/** A succeeded payment (intent + charge) stored under `owner`. */
export function createPayment(sim: Sim, owner: string | null, input: PaymentInput): { intent: PaymentIntent; charge: Charge } {
  const payment = buildPayment(input);
  sim.state.put(payment.intent, owner);
  sim.state.put(payment.charge, owner);
  return payment;
}

/** Refund a charge (whole remainder by default): `charge.refunded`. */
export function refundCharge(sim: Sim, charge: Charge, amount: number | undefined, reason: string | null, request?: RequestInfo): { refund: StripeObject; events: StripeObject[] } {
  const owner = sim.state.ownerOf(charge.id);
  const remaining = charge.amount - charge.amount_refunded;
  const value = amount ?? remaining;
  if (remaining <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
  if (value <= 0 || value > remaining) {
    throw invalidRequest(`Refund amount (${value}) is greater than unrefunded amount on charge (${remaining})`, { code: 'amount_too_large', param: 'amount' });
  }
  const before: JsonObject = structuredClone(charge);
  const refund = buildRefund(charge, value, reason);
  sim.state.put(refund, owner);
  charge.amount_refunded += value;
  charge.refunded = charge.amount_refunded === charge.amount;
  const list = charge.refunds;
  const data = Array.isArray(list.data) ? list.data : [];
  charge.refunds = { ...list, data: [refund, ...data] };
  const previous = previousAttributes(before, charge);
  delete previous.refunds;
  const event = sim.event('charge.refunded', charge, { account: owner, previous, request });
  return { refund, events: [event] };
}

export function disputeCharge(sim: Sim, charge: Charge, reason = 'fraudulent', overrides: JsonObject = {}): { dispute: StripeObject; events: StripeObject[] } {
  const owner = sim.state.ownerOf(charge.id);
  const dispute = deepMerge(buildDispute(charge, reason), overrides);
  sim.state.put(dispute, owner);
  charge.disputed = true;
  return { dispute, events: [sim.event('charge.dispute.created', dispute, { account: owner })] };
}

export function paymentInput(amount: number, currency: string, extra: Partial<PaymentInput> = {}): PaymentInput {
  return {
    amount,
    currency,
    customer: null,
    invoice: null,
    description: null,
    metadata: {},
    applicationFeeAmount: null,
    receiptEmail: null,
    ...extra,
  };
}
