import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Pool } from './pool.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
// Any constant works; it only has to be the same for every runner of this schema.
const LOCK_KEY = 0x6e73_7472; // "nstr"

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(`${dir}/${name}`, 'utf8');
      return {
        version: Number(name.split('_')[0]),
        name,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS np_stripe_schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

async function appliedVersions(pool: Pool): Promise<Map<number, string>> {
  const exists = await pool.query(`SELECT to_regclass('np_stripe_schema_migrations') AS t`);
  if (!exists.rows[0]?.t) return new Map();
  const { rows } = await pool.query<{ version: number; checksum: string }>(
    'SELECT version, checksum FROM np_stripe_schema_migrations',
  );
  return new Map(rows.map((r) => [r.version, r.checksum]));
}

/** Migrations present on disk but not yet applied to this database. */
export async function pendingMigrations(pool: Pool, dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const applied = await appliedVersions(pool);
  return readMigrations(dir).filter((m) => !applied.has(m.version));
}

/**
 * Applies pending migrations in order, each in its own transaction, while holding a
 * session advisory lock: a second runner blocks until the first is done, then finds
 * nothing left to do. Returns the names applied by this runner.
 */
export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(CREATE_TABLE);
    const done = await appliedVersions(pool);
    for (const m of readMigrations(dir)) {
      const checksum = done.get(m.version);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) throw new Error(`migration ${m.name} was changed after it was applied`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO np_stripe_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
      }
      applied.push(m.name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}
