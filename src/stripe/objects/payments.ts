import { z } from 'zod';
import { amount, expandableId, metadata, type Metadata } from './fields.js';
import { objectReader } from './read.js';

/**
 * Payment intents, charges, disputes and transfers: the fields we read are the same in acacia
 * and basil (basil only dropped the `invoice` link of payment intents and charges, which we do
 * not read).
 */

export interface PaymentIntent {
  id: string;
  amount: number;
  /** What was actually captured; absent in some older payloads (then `amount` is used). */
  amountReceived: number | null;
  currency: string;
  status: string;
  customerId: string | null;
  metadata: Metadata;
}

export const paymentIntentSchema = z
  .object({
    id: z.string(),
    object: z.literal('payment_intent'),
    amount,
    amount_received: amount.nullish(),
    currency: z.string(),
    status: z.string(),
    customer: expandableId.nullish(),
    metadata,
  })
  .transform(
    (p): PaymentIntent => ({
      id: p.id,
      amount: p.amount,
      amountReceived: p.amount_received ?? null,
      currency: p.currency,
      status: p.status,
      customerId: p.customer ?? null,
      metadata: p.metadata,
    }),
  );

export interface Charge {
  id: string;
  amount: number;
  amountRefunded: number;
  currency: string;
  paymentIntentId: string | null;
  metadata: Metadata;
}

export const chargeSchema = z
  .object({
    id: z.string(),
    object: z.literal('charge'),
    amount,
    amount_refunded: amount,
    currency: z.string(),
    payment_intent: expandableId.nullish(),
    metadata,
  })
  .transform(
    (c): Charge => ({
      id: c.id,
      amount: c.amount,
      amountRefunded: c.amount_refunded,
      currency: c.currency,
      paymentIntentId: c.payment_intent ?? null,
      metadata: c.metadata,
    }),
  );

export interface Dispute {
  id: string;
  amount: number;
  currency: string;
  chargeId: string | null;
  paymentIntentId: string | null;
  reason: string;
}

export const disputeSchema = z
  .object({
    id: z.string(),
    object: z.literal('dispute'),
    amount,
    currency: z.string(),
    charge: expandableId.nullish(),
    payment_intent: expandableId.nullish(),
    reason: z.string(),
  })
  .transform(
    (d): Dispute => ({
      id: d.id,
      amount: d.amount,
      currency: d.currency,
      chargeId: d.charge ?? null,
      paymentIntentId: d.payment_intent ?? null,
      reason: d.reason,
    }),
  );

export interface Transfer {
  id: string;
  amount: number;
  amountReversed: number;
  currency: string;
  /** The connected account it went to. */
  destination: string | null;
  reversed: boolean;
  metadata: Metadata;
}

export const transferSchema = z
  .object({
    id: z.string(),
    object: z.literal('transfer'),
    amount,
    amount_reversed: amount,
    currency: z.string(),
    destination: expandableId.nullish(),
    reversed: z.boolean(),
    metadata,
  })
  .transform(
    (t): Transfer => ({
      id: t.id,
      amount: t.amount,
      amountReversed: t.amount_reversed,
      currency: t.currency,
      destination: t.destination ?? null,
      reversed: t.reversed,
      metadata: t.metadata,
    }),
  );

export const readPaymentIntent = objectReader(paymentIntentSchema);
export const readCharge = objectReader(chargeSchema);
export const readDispute = objectReader(disputeSchema);
export const readTransfer = objectReader(transferSchema);
