import type Stripe from 'stripe';
import type { Queryable } from '../db/pool.js';
import type { Channel } from './types.js';

/** np_stripe_processed_events: one row per Stripe event id, the database's word on "exactly once". */

export type EventOutcome = 'processed' | 'ignored' | 'failed';

export interface EventRow {
  eventId: string;
  tenantId: string;
  channel: Channel;
  type: string;
  accountId: string | null;
  livemode: boolean;
  eventCreated: Date;
  payload: Stripe.Event;
}

export function eventRow(event: Stripe.Event, channel: Channel, tenantId: string): EventRow {
  return {
    eventId: event.id,
    tenantId,
    channel,
    type: event.type,
    accountId: event.account ?? null,
    livemode: event.livemode,
    eventCreated: new Date(event.created * 1000),
    payload: event,
  };
}

// What jsonb cannot hold, as JSON.stringify writes it: a NUL escape or a lone surrogate.
const JSONB_REFUSES = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;

/** The payload for `payload` (jsonb) or, when jsonb would refuse it, for `payload_text`. */
export function payloadColumns(event: Stripe.Event): [json: string | null, text: string | null] {
  const json = JSON.stringify(event);
  return JSONB_REFUSES.test(json) ? [null, json] : [json, null];
}

const COLUMNS = '(event_id, tenant_id, channel, type, stripe_account_id, livemode, event_created, outcome, payload, payload_text)';
const params = (r: EventRow, outcome: EventOutcome) => [
  r.eventId,
  r.tenantId,
  r.channel,
  r.type,
  r.accountId,
  r.livemode,
  r.eventCreated,
  outcome,
  ...payloadColumns(r.payload),
];

/**
 * Claims the event for this transaction. A concurrent claim of the same id waits on the
 * unique index until this one commits or rolls back, so exactly one applies it. An existing
 * row is taken over only when its outcome is one of `retryable` (a failed attempt; a replay
 * may also retry ignored ones). Returns false for a duplicate.
 */
export async function claimEvent(tx: Queryable, row: EventRow, retryable: EventOutcome[] = ['failed']): Promise<boolean> {
  const { rows } = await tx.query(
    `INSERT INTO np_stripe_processed_events AS e ${COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (event_id) DO UPDATE SET attempts = e.attempts + 1, tenant_id = EXCLUDED.tenant_id,
       channel = EXCLUDED.channel, updated_at = now()
     WHERE e.outcome = ANY($11::text[])
     RETURNING event_id`,
    [...params(row, 'processed'), retryable],
  );
  return rows.length > 0;
}

export async function finishEvent(tx: Queryable, eventId: string, outcome: 'processed' | 'ignored', ignoredReason: string | null): Promise<void> {
  await tx.query(
    `UPDATE np_stripe_processed_events
        SET outcome = $2, ignored_reason = $3, last_error = NULL, processed_at = now(), updated_at = now()
      WHERE event_id = $1`,
    [eventId, outcome, ignoredReason],
  );
}

/**
 * Records a failed attempt after its transaction rolled back. A row some other delivery
 * processed meanwhile is left alone: the effect is there, the failure no longer matters.
 */
export async function recordFailure(q: Queryable, row: EventRow, message: string): Promise<void> {
  await q.query(
    `INSERT INTO np_stripe_processed_events AS e ${COLUMNS.slice(0, -1)}, last_error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (event_id) DO UPDATE SET outcome = 'failed', attempts = e.attempts + 1, last_error = EXCLUDED.last_error,
       ignored_reason = NULL, updated_at = now()
     WHERE e.outcome <> 'processed'`,
    [...params(row, 'failed'), message],
  );
}

export interface StoredEvent {
  event_id: string;
  tenant_id: string;
  channel: Channel;
  type: string;
  stripe_account_id: string | null;
  livemode: boolean;
  event_created: Date;
  outcome: EventOutcome;
  ignored_reason: string | null;
  attempts: number;
  last_error: string | null;
  received_at: Date;
  processed_at: Date | null;
  updated_at: Date;
  payload?: Stripe.Event;
}

const SUMMARY = `event_id, tenant_id, channel, type, stripe_account_id, livemode, event_created, outcome, ignored_reason,
  attempts, last_error, received_at, processed_at, updated_at`;

export async function listEvents(
  q: Queryable,
  filter: { outcome?: EventOutcome; channel?: Channel; type?: string; tenantId?: string; limit: number },
): Promise<StoredEvent[]> {
  const { rows } = await q.query<StoredEvent>(
    `SELECT ${SUMMARY} FROM np_stripe_processed_events
      WHERE ($1::text IS NULL OR outcome = $1) AND ($2::text IS NULL OR type = $2) AND ($3::uuid IS NULL OR tenant_id = $3)
        AND ($5::text IS NULL OR channel = $5)
      ORDER BY received_at DESC, event_id LIMIT $4`,
    [filter.outcome ?? null, filter.type ?? null, filter.tenantId ?? null, filter.limit, filter.channel ?? null],
  );
  return rows;
}

export async function getEvent(q: Queryable, eventId: string): Promise<StoredEvent | null> {
  // The json type (not jsonb) reads back what only payload_text could hold.
  const { rows } = await q.query<StoredEvent>(
    `SELECT ${SUMMARY}, COALESCE(payload::json, payload_text::json) AS payload FROM np_stripe_processed_events WHERE event_id = $1`,
    [eventId],
  );
  return rows[0] ?? null;
}
