import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, type Pool } from '../src/db/pool.js';

export interface BenchDatabase {
  url: string;
  /** The parent's own pool, for seeding and checking rows. */
  pool: Pool;
  server: 'DATABASE_URL' | 'embedded';
  /** Another database on the same server, empty (the peer's), dropped with this one. */
  createEmpty(): Promise<string>;
  close(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function asAdmin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, migrated database of its own on DATABASE_URL's server, or on an embedded
 * PostgreSQL the bench starts (and stops) when DATABASE_URL is not set.
 */
export async function openBenchDatabase(): Promise<BenchDatabase> {
  let embedded: EmbeddedDatabase | null = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres({
      dir: process.env.NSELF_BENCH_PG_DIR ?? '.data/bench-postgres',
      port: Number(process.env.NSELF_BENCH_PG_PORT ?? 54335),
    });
    adminUrl = embedded.url;
  }
  const names: string[] = [];
  const create = async (): Promise<string> => {
    const name = `nsb_${randomBytes(5).toString('hex')}`;
    await asAdmin(adminUrl, `CREATE DATABASE ${name}`);
    names.push(name);
    return withDatabase(adminUrl, name);
  };
  const url = await create();
  const pool = createPool(url, 4);
  await migrate(pool);
  return {
    url,
    pool,
    server: embedded ? 'embedded' : 'DATABASE_URL',
    createEmpty: create,
    async close() {
      await pool.end().catch(() => undefined);
      for (const name of names) await asAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await embedded?.stop();
    },
  };
}
