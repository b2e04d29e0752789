import pg from 'pg';

export type Pool = pg.Pool;
export type Queryable = Pick<pg.PoolClient, 'query'>;

// bigint columns (amounts) fit in a JS number for any real money amount.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPool(url: string, max = 10): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'nself-stripe',
  });
  // An idle client losing its server (database restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor a checked-out one: between two queries (a transaction waiting on a Stripe call) the
  // pool's own listener is detached, and an unheard 'error' event would crash the process.
  // Its next query fails instead (→ 503), and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
