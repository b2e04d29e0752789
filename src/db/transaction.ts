import type pg from 'pg';
import type { Pool } from './pool.js';

export type Tx = pg.PoolClient;

/** Runs `work` inside BEGIN/COMMIT on one client; any throw rolls back and rethrows. */
export async function withTransaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
