import type pg from 'pg';
import { announceCommittedGrants, CHANGED_GRANTS_SETTING } from './committed-grants.js';
import type { Pool } from './pool.js';

export type Tx = pg.PoolClient;

// One round trip: the grant keys this transaction changed, then COMMIT. Inside an open
// transaction block a multi-statement query runs its statements in order and stops at an error.
const COMMIT_REPORTING_GRANTS = `SELECT current_setting('${CHANGED_GRANTS_SETTING}', true) AS changed; COMMIT`;

/**
 * Runs `work` inside BEGIN/COMMIT on one client; any throw rolls back and rethrows. After the
 * commit, and before it returns, this process hears which grants changed (read-your-writes).
 */
export async function withTransaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let result: T;
  let changed: string | null | undefined;
  try {
    await client.query('BEGIN');
    result = await work(client);
    const [report] = (await client.query(COMMIT_REPORTING_GRANTS)) as unknown as [pg.QueryResult<{ changed: string | null }>];
    changed = report?.rows[0]?.changed;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  // Outside the try: the transaction is committed, whatever a listener does.
  announceCommittedGrants(pool, changed);
  return result;
}
