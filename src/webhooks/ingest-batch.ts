import type Stripe from 'stripe';
import { announceCommittedGrants } from '../db/committed-grants.js';
import type { Pool } from '../db/pool.js';
import { batchElement, ingestIntent } from './ingest-intent.js';
import type { Channel } from './types.js';

/** One verified delivery on its way into a batch. */
export interface BatchMember {
  event: Stripe.Event;
  channel: Channel;
  /** Its element of the batch's JSON array, or null when only the pipeline can apply it. */
  element: string | null;
}

/**
 * The member of a delivery (the signed body as received: JSON, verification parsed it). Built
 * when the delivery arrives, while the batch before it commits, not between two batches.
 */
export function batchMember(event: Stripe.Event, rawBody: string, channel: Channel): BatchMember {
  return { event, channel, element: elementOf(event, rawBody, channel) };
}

export type BatchVerdict =
  | { kind: 'processed'; tenantId: string; note: string | null }
  | { kind: 'ignored'; reason: string; tenantId: string }
  | { kind: 'duplicate' }
  /** Needs Stripe (or a failed attempt's bookkeeping): nothing was written; the pipeline applies it. */
  | { kind: 'slow' };

interface BatchRow {
  outcomes: string[];
  reasons: (string | null)[];
  tenants: (string | null)[];
  notes: (string | null)[];
  changed_grants: string | null;
}

// Named: each pooled connection parses and plans it once.
const INGEST = 'np_stripe_ingest_events';
const INGEST_SQL = 'SELECT outcomes, reasons, tenants, notes, changed_grants FROM np_stripe_ingest_events($1::jsonb, $2, $3::uuid)';

/** Raised by the function when a grant of the same second appeared while an event was written. */
export const NEEDS_SLOW_PATH = 'NS001';

function verdict(row: BatchRow, i: number): BatchVerdict {
  const outcome = row.outcomes[i];
  const tenantId = row.tenants[i] ?? '';
  if (outcome === 'processed') return { kind: 'processed', tenantId, note: row.notes[i] ?? null };
  if (outcome === 'ignored') return { kind: 'ignored', reason: row.reasons[i] ?? 'ignored', tenantId };
  if (outcome === 'duplicate') return { kind: 'duplicate' };
  return { kind: 'slow' };
}

/**
 * Applies the members in one statement, which is its own transaction: when this resolves, the
 * batch is committed, and this process has heard which grants it changed (read-your-writes).
 * Throws when the statement fails; then nothing of the batch was applied.
 */
export async function ingestBatch(
  pool: Pool,
  members: readonly BatchMember[],
  settings: { live: boolean; defaultTenantId: string },
): Promise<BatchVerdict[]> {
  const elements = members.map((m) => m.element);
  const sent = elements.filter((e): e is string => e !== null);
  if (sent.length === 0) return members.map(() => ({ kind: 'slow' }));
  const { rows } = await pool.query<BatchRow>({
    name: INGEST,
    text: INGEST_SQL,
    values: [`[${sent.join(',')}]`, settings.live, settings.defaultTenantId],
  });
  const row = rows[0]!;
  announceCommittedGrants(pool, row.changed_grants);
  let next = 0;
  return elements.map((e): BatchVerdict => (e === null ? { kind: 'slow' } : verdict(row, next++)));
}

/**
 * The event's element of the batch, or null when it cannot be built (its object matches none
 * of the shapes we read): that event goes to the pipeline alone, which records it (failed, or
 * ignored when it is not ours to apply) exactly as it records any other.
 */
function elementOf(event: Stripe.Event, rawBody: string, channel: Channel): string | null {
  try {
    return batchElement(ingestIntent(event, channel), event, rawBody);
  } catch {
    return null;
  }
}
