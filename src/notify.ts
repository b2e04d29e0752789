import type { Logger } from 'pino';
import type { Queryable } from './db/pool.js';

export const NOTIFY_CHANNEL = 'np_stripe_notifications';

/** Ids and short scalars only: a notification names what happened, listeners read the rest. */
export interface Notification {
  kind: string;
  tenant_id: string;
  event_id: string;
  [key: string]: string | number | boolean | null;
}

// pg_notify refuses payloads of 8,000 bytes or more, which would fail the event it announces.
export const MAX_NOTIFICATION_BYTES = 7900;
// Stripe ids are far shorter; anything longer came from someone's free text.
const MAX_VALUE_CHARS = 255;

/** The payload, each text value bounded, and never past pg_notify's limit (then only the three ids). */
export function notificationPayload(note: Notification): string {
  const bounded: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(note)) {
    bounded[key] = typeof value === 'string' && value.length > MAX_VALUE_CHARS ? value.slice(0, MAX_VALUE_CHARS) : value;
  }
  const payload = JSON.stringify(bounded);
  if (Buffer.byteLength(payload) < MAX_NOTIFICATION_BYTES) return payload;
  return JSON.stringify({ kind: note.kind.slice(0, MAX_VALUE_CHARS), tenant_id: note.tenant_id, event_id: note.event_id.slice(0, MAX_VALUE_CHARS) });
}

/**
 * Tells other nself services (and Hasura triggers) something needs attention. Sent inside
 * the caller's transaction, so a rolled-back effect never announces itself.
 */
export async function notify(tx: Queryable, logger: Logger, note: Notification): Promise<void> {
  const payload = notificationPayload(note);
  await tx.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, payload]);
  logger.warn({ notification: JSON.parse(payload) as unknown }, `notify: ${note.kind}`);
}
