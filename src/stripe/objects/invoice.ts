import { z } from 'zod';
import { amount, expandableId, metadata, type Metadata } from './fields.js';
import { objectReader } from './read.js';

/**
 * An invoice in any version we read. Up to acacia it names its subscription in `subscription`
 * and that subscription's metadata in `subscription_details`; basil moved both under
 * `parent.subscription_details` and dropped the old fields
 * (https://docs.stripe.com/changelog/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects).
 */

export interface Invoice {
  id: string;
  status: string | null;
  attempted: boolean;
  amountDue: number;
  currency: string;
  customerId: string | null;
  /** The subscription that billed it, null for a one-off invoice. */
  subscriptionId: string | null;
  /** The subscription's metadata as the invoice recorded it (empty when none). */
  subscriptionMetadata: Metadata;
  /** The invoice's own metadata. */
  metadata: Metadata;
}

/** Acacia: `subscription_details`. */
export const acaciaSubscriptionDetails = z.object({ metadata });

/** Basil: `parent`, whose `subscription_details` is set when a subscription generated the invoice. */
export const basilParent = z.object({
  subscription_details: z.object({ subscription: expandableId, metadata }).nullish(),
});

export const invoiceSchema = z
  .object({
    id: z.string(),
    object: z.literal('invoice'),
    status: z.string().nullish(),
    attempted: z.boolean(),
    amount_due: amount,
    currency: z.string(),
    customer: expandableId.nullish(),
    metadata,
    subscription: expandableId.nullish(),
    subscription_details: acaciaSubscriptionDetails.nullish(),
    parent: basilParent.nullish(),
  })
  .transform((i): Invoice => {
    const basil = i.parent?.subscription_details ?? null;
    return {
      id: i.id,
      status: i.status ?? null,
      attempted: i.attempted,
      amountDue: i.amount_due,
      currency: i.currency,
      customerId: i.customer ?? null,
      subscriptionId: i.subscription ?? basil?.subscription ?? null,
      subscriptionMetadata: i.subscription_details?.metadata ?? basil?.metadata ?? {},
      metadata: i.metadata,
    };
  });

export const readInvoice = objectReader(invoiceSchema);
