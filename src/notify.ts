import type { Logger } from 'pino';
import type { Queryable } from './db/pool.js';

export const NOTIFY_CHANNEL = 'np_stripe_notifications';

export interface Notification {
  kind: string;
  tenant_id: string;
  [key: string]: unknown;
}

/**
 * Tells other nself services (and Hasura triggers) something needs attention. Sent inside
 * the caller's transaction, so a rolled-back effect never announces itself.
 */
export async function notify(tx: Queryable, logger: Logger, note: Notification): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, JSON.stringify(note)]);
  logger.warn({ notification: note }, `notify: ${note.kind}`);
}
