import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.js';
import { migrate, pendingMigrations, readMigrations } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const dbs: TestDatabase[] = [];
async function freshDb(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrated: false });
  dbs.push(db);
  return db;
}
afterEach(async () => {
  await Promise.all(dbs.splice(0).map((d) => d.drop()));
});

async function tables(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.pool.query<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  );
  return rows.map((r) => r.t);
}

describe('migrations', () => {
  it('apply every file on a fresh database, creating the SPEC tables with tenant_id', async () => {
    const db = await freshDb();
    const all = readMigrations().map((m) => m.name);
    expect(await migrate(db.pool)).toEqual(all);
    const names = await tables(db);
    for (const t of ['np_stripe_accounts', 'np_stripe_entitlements', 'np_stripe_processed_events', 'np_stripe_schema_migrations']) {
      expect(names).toContain(t);
    }
    const { rows } = await db.pool.query(
      `SELECT table_name FROM information_schema.tables t WHERE table_schema='public' AND table_name LIKE 'np_stripe_%'
         AND table_name <> 'np_stripe_schema_migrations'
         AND NOT EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_name=t.table_name AND c.column_name='tenant_id' AND c.is_nullable='NO')`,
    );
    expect(rows).toEqual([]);
    const tokenType = await db.pool.query(
      `SELECT data_type FROM information_schema.columns WHERE table_name='np_stripe_accounts' AND column_name='access_token'`,
    );
    expect(tokenType.rows[0].data_type).toBe('bytea');
    expect(await pendingMigrations(db.pool)).toEqual([]);
  });

  it('is a no-op when run again', async () => {
    const db = await freshDb();
    await migrate(db.pool);
    expect(await migrate(db.pool)).toEqual([]);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM np_stripe_schema_migrations');
    expect(rows[0].n).toBe(readMigrations().length);
  });

  it('lets one of two concurrent runners apply while the other waits and finds nothing left', async () => {
    const db = await freshDb();
    const other = createPool(db.url, 2);
    try {
      const [a, b] = await Promise.all([migrate(db.pool), migrate(other)]);
      const all = readMigrations().map((m) => m.name);
      expect([a, b].sort((x, y) => y.length - x.length)).toEqual([all, []]);
    } finally {
      await other.end();
    }
  });

  it('rolls a failing migration back whole and records nothing for it', async () => {
    const db = await freshDb();
    const dir = mkdtempSync(join(tmpdir(), 'mig-'));
    writeFileSync(join(dir, '001_ok.sql'), 'CREATE TABLE np_stripe_a (tenant_id uuid NOT NULL);');
    writeFileSync(join(dir, '002_bad.sql'), 'CREATE TABLE np_stripe_b (tenant_id uuid NOT NULL); SELECT no_such_function();');
    await expect(migrate(db.pool, dir)).rejects.toThrow(/002_bad.sql failed/);
    expect(await tables(db)).toEqual(['np_stripe_a', 'np_stripe_schema_migrations']);
    expect((await pendingMigrations(db.pool, dir)).map((m) => m.name)).toEqual(['002_bad.sql']);
  });

  it('refuses to run when an applied migration file was changed', async () => {
    const db = await freshDb();
    const dir = mkdtempSync(join(tmpdir(), 'mig-'));
    writeFileSync(join(dir, '001_ok.sql'), 'CREATE TABLE np_stripe_a (tenant_id uuid NOT NULL);');
    await migrate(db.pool, dir);
    writeFileSync(join(dir, '001_ok.sql'), 'CREATE TABLE np_stripe_a (tenant_id uuid NOT NULL, x int);');
    await expect(migrate(db.pool, dir)).rejects.toThrow(/changed after it was applied/);
  });
});
