import { z } from 'zod';
import { capability, entityId, httpUrl } from '../http/schemas.js';

// Stripe metadata values hold at most 500 characters; the capabilities travel comma-joined.
const METADATA_VALUE_MAX = 500;

export const checkoutBody = z
  .object({
    entity_id: entityId,
    price_id: z.string().min(1).max(255).regex(/^[A-Za-z0-9_]+$/, 'must be a Stripe price id'),
    capabilities: z
      .array(capability)
      .min(1)
      .max(50)
      .transform((list) => [...new Set(list)])
      .refine((list) => list.join(',').length <= METADATA_VALUE_MAX, `comma-joined, must fit in ${METADATA_VALUE_MAX} characters`),
    subject_id: entityId.optional(),
    quantity: z.number().int().min(1).max(10_000).default(1),
    mode: z.enum(['subscription', 'payment']).optional(),
    success_url: httpUrl,
    cancel_url: httpUrl,
    customer_email: z.email().max(512).optional(),
    // Stripe takes a percentage with at most two decimals.
    application_fee_percent: z
      .number()
      .min(0)
      .max(100)
      .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'at most two decimal places')
      // 0.1 + 0.2 is 0.30000000000000004 in JSON: send Stripe the two decimals meant.
      .transform((n) => Math.round(n * 100) / 100)
      .optional(),
  })
  .strict();

export type CheckoutInput = z.infer<typeof checkoutBody>;

export const portalBody = z.object({ entity_id: entityId, return_url: httpUrl }).strict();

export type PortalInput = z.infer<typeof portalBody>;

/** `Idempotency-Key` as Stripe accepts it: up to 255 characters. */
export const idempotencyKeyHeader = z.string().trim().min(1).max(255).optional();
