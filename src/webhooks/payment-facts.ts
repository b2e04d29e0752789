import { grantTargetFromMetadata } from '../entitlements/grants.js';
import type { Charge, PaymentIntent, Transfer } from '../stripe/objects/payments.js';
import type { PaymentRecord } from './payment-records.js';

/**
 * What a payment intent, a charge or a transfer records in np_stripe_payments: one mapping for
 * the pipeline's handlers and the SQL fast path's decoders, so the two cannot drift apart.
 */
export type PaymentFacts = Omit<PaymentRecord, 'tenantId' | 'eventCreated'>;

export function intentFacts(intent: PaymentIntent, accountId: string | null): PaymentFacts {
  return {
    id: intent.id,
    kind: 'payment_intent',
    accountId,
    paymentIntentId: intent.id,
    entityId: grantTargetFromMetadata(intent.metadata)?.entityId ?? intent.metadata.nself_entity_id ?? null,
    amount: intent.amountReceived || intent.amount,
    amountRefunded: 0,
    currency: intent.currency,
    status: intent.status,
    destination: null,
  };
}

/** A refund is full when everything charged came back: then what the payment bought is revoked. */
export const fullyRefunded = (charge: Charge): boolean => charge.amount > 0 && charge.amountRefunded >= charge.amount;

export function chargeFacts(charge: Charge, accountId: string | null): PaymentFacts {
  return {
    id: charge.id,
    kind: 'charge',
    accountId,
    paymentIntentId: charge.paymentIntentId,
    entityId: charge.metadata.nself_entity_id ?? null,
    amount: charge.amount,
    amountRefunded: charge.amountRefunded,
    currency: charge.currency,
    status: fullyRefunded(charge) ? 'refunded' : 'partially_refunded',
    destination: null,
  };
}

/** A transfer belongs to its destination account. */
export function transferFacts(transfer: Transfer): PaymentFacts {
  return {
    id: transfer.id,
    kind: 'transfer',
    accountId: transfer.destination,
    paymentIntentId: null,
    entityId: transfer.metadata.nself_entity_id ?? null,
    amount: transfer.amount,
    amountRefunded: transfer.amountReversed,
    currency: transfer.currency,
    status: transfer.reversed ? 'reversed' : 'created',
    destination: transfer.destination,
  };
}
