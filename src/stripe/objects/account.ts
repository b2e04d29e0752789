import { z } from 'zod';
import { metadata, type Metadata } from './fields.js';
import { objectReader } from './read.js';

/** A connected account: the same shape in every version we read. */
export interface Account {
  id: string;
  detailsSubmitted: boolean;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  /** currently_due ∪ past_due, sorted: what the operator still owes Stripe. */
  requirementsDue: string[];
  disabledReason: string | null;
  /** When what is currently due must be provided, else the account is disabled (`requirements.current_deadline`). */
  requirementsDeadline: Date | null;
  email: string | null;
  country: string | null;
  metadata: Metadata;
}

const fieldList = z.array(z.string()).nullish();

// Stripe leaves these out of an account the platform may only partly see: absent reads as false.
export const accountSchema = z
  .object({
    id: z.string(),
    object: z.literal('account'),
    details_submitted: z.boolean().optional(),
    charges_enabled: z.boolean().optional(),
    payouts_enabled: z.boolean().optional(),
    requirements: z
      .object({ currently_due: fieldList, past_due: fieldList, disabled_reason: z.string().nullish(), current_deadline: z.number().int().nullish() })
      .nullish(),
    email: z.string().nullish(),
    country: z.string().nullish(),
    metadata,
  })
  .transform(
    (a): Account => ({
      id: a.id,
      detailsSubmitted: a.details_submitted === true,
      chargesEnabled: a.charges_enabled === true,
      payoutsEnabled: a.payouts_enabled === true,
      requirementsDue: [...new Set([...(a.requirements?.currently_due ?? []), ...(a.requirements?.past_due ?? [])])].sort(),
      disabledReason: a.requirements?.disabled_reason ?? null,
      requirementsDeadline: typeof a.requirements?.current_deadline === 'number' ? new Date(a.requirements.current_deadline * 1000) : null,
      email: a.email ?? null,
      country: a.country ?? null,
      metadata: a.metadata,
    }),
  );

export const readAccount = objectReader(accountSchema);
