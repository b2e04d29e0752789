import { z } from 'zod';
import { expandableId, metadata, unixTime, type Metadata } from './fields.js';
import { objectReader } from './read.js';

/**
 * A subscription in any version we read. The billing period moved in basil: up to acacia it is
 * the subscription's own `current_period_*`; from 2025-03-31.basil each item has its own and the
 * subscription has none (https://docs.stripe.com/changelog/basil/2025-03-31/deprecate-subscription-current-period-start-and-end).
 */

export interface SubscriptionItem {
  id: string;
  /** Absent for metered prices. */
  quantity: number | null;
  /** Its own period (basil), else the subscription's, which every item shared before basil. */
  periodStart: Date | null;
  periodEnd: Date | null;
}

export interface Subscription {
  id: string;
  status: string;
  customerId: string;
  metadata: Metadata;
  items: SubscriptionItem[];
  /** The subscription's own period (acacia), else the span of its items' periods (basil). */
  periodStart: Date | null;
  periodEnd: Date | null;
}

const period = unixTime.nullish();

const item = z.object({
  id: z.string(),
  quantity: z.number().int().nonnegative().nullish(),
  current_period_start: period,
  current_period_end: period,
});

const date = (seconds: number | null | undefined): Date | null => (typeof seconds === 'number' ? new Date(seconds * 1000) : null);

function span(own: number | null | undefined, ofItems: Array<number | null | undefined>, pick: (...v: number[]) => number): Date | null {
  if (typeof own === 'number') return date(own);
  const known = ofItems.filter((v): v is number => typeof v === 'number');
  return known.length > 0 ? date(pick(...known)) : null;
}

export const subscriptionSchema = z
  .object({
    id: z.string(),
    object: z.literal('subscription'),
    // Not an enum: a status Stripe adds later must deny access, not fail the event.
    status: z.string(),
    customer: expandableId,
    metadata,
    current_period_start: period,
    current_period_end: period,
    items: z.object({ data: z.array(item) }),
  })
  .transform(
    (s): Subscription => ({
      id: s.id,
      status: s.status,
      customerId: s.customer,
      metadata: s.metadata,
      items: s.items.data.map((i) => ({
        id: i.id,
        quantity: i.quantity ?? null,
        periodStart: date(i.current_period_start ?? s.current_period_start),
        periodEnd: date(i.current_period_end ?? s.current_period_end),
      })),
      periodStart: span(s.current_period_start, s.items.data.map((i) => i.current_period_start), Math.min),
      periodEnd: span(s.current_period_end, s.items.data.map((i) => i.current_period_end), Math.max),
    }),
  );

export const readSubscription = objectReader(subscriptionSchema);
