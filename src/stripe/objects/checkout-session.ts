import { z } from 'zod';
import { expandableId, metadata, type Metadata } from './fields.js';
import { objectReader } from './read.js';

/** A Checkout Session: the fields we read are the same in acacia and basil. */
export interface CheckoutSession {
  id: string;
  /** payment, setup or subscription (a string: a mode Stripe adds later is ignored, not failed). */
  mode: string;
  /** paid, unpaid (a delayed payment method) or no_payment_required (nothing to pay). */
  paymentStatus: string;
  customerId: string | null;
  subscriptionId: string | null;
  paymentIntentId: string | null;
  metadata: Metadata;
}

export const checkoutSessionSchema = z
  .object({
    id: z.string(),
    object: z.literal('checkout.session'),
    mode: z.string(),
    payment_status: z.string(),
    customer: expandableId.nullish(),
    subscription: expandableId.nullish(),
    payment_intent: expandableId.nullish(),
    metadata,
  })
  .transform(
    (s): CheckoutSession => ({
      id: s.id,
      mode: s.mode,
      paymentStatus: s.payment_status,
      customerId: s.customer ?? null,
      subscriptionId: s.subscription ?? null,
      paymentIntentId: s.payment_intent ?? null,
      metadata: s.metadata,
    }),
  );

export const readCheckoutSession = objectReader(checkoutSessionSchema);
