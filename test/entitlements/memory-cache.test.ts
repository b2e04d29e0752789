import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntitlementChecker } from '../../src/entitlements/check.js';
import { EntitlementMemoryCache } from '../../src/entitlements/memory-cache.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { AUTH } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createPool } from '../../src/db/pool.js';

const CACHE_ON = { STRIPE_ENTITLEMENT_MEMORY_CACHE: 'true' };

async function checksFrom(t: TestApp, source: string): Promise<number> {
  const { values } = await t.app.ctx.metrics.entitlementChecks.get();
  return values.filter((v) => v.labels.source === source).reduce((n, v) => n + v.value, 0);
}

async function can(t: TestApp, entity: string, capability = 'video'): Promise<{ allowed: boolean; status: string }> {
  const res = await t.app.inject({ method: 'GET', url: `/entitlement/${entity}/${capability}`, headers: AUTH });
  expect(res.statusCode).toBe(200);
  return res.json();
}

async function eventually(probe: () => Promise<boolean>, timeoutMs = 1000): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

describe('the in-process entitlement cache', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = await buildTestApp({ db, env: CACHE_ON });
    // A pool of its own, as another replica has: what a hears of its own commits, b must learn by NOTIFY.
    b = await buildTestApp({ db: { ...db, pool: createPool(db.url) }, env: CACHE_ON });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await b.db.pool.end();
    await db.drop();
  });

  it('answers a repeated check from memory', async () => {
    const before = await checksFrom(a, 'memory');
    expect(await can(a, 'e-mem')).toEqual({ allowed: false, status: 'none', cached_at: null });
    expect(await can(a, 'e-mem')).toEqual({ allowed: false, status: 'none', cached_at: null });
    expect(await checksFrom(a, 'memory')).toBe(before + 1);
  });

  it('answers a hit in check() with the answer it stored, as a fresh object each time', async () => {
    const grant = { quantity: 3, expires_at: new Date(Date.now() + 86_400_000).toISOString() };
    const put = await a.app.inject({ method: 'POST', url: '/entitlement/e-hit/seats/grant', headers: AUTH, payload: grant });
    expect(put.statusCode).toBe(201);
    const cache = new EntitlementMemoryCache();
    cache.setEnabled(true);
    const checker = createEntitlementChecker(a.app.ctx, { cache });
    const query = { tenantId: a.app.ctx.config.defaultTenantId, entityId: 'e-hit', capability: 'seats' };
    const fromDb = await checker.check(query);
    expect(fromDb).toMatchObject({ allowed: true, status: 'manual', quantity: 3 });
    expect(checker.remembered(query)).toMatchObject({ allowed: true, json: JSON.stringify(fromDb) });
    const first = await checker.check(query);
    expect(first).toEqual(fromDb);
    first.stale = true;
    expect(await checker.check(query)).toEqual(fromDb);
  });

  it('sees a grant made on another replica within a second', async () => {
    expect((await can(b, 'e-repl')).allowed).toBe(false);
    expect((await can(b, 'e-repl')).allowed).toBe(false); // now remembered by b
    const res = await a.app.inject({ method: 'POST', url: '/entitlement/e-repl/video/grant', headers: AUTH, payload: {} });
    expect(res.statusCode).toBe(201);
    const took = await eventually(async () => (await can(b, 'e-repl')).allowed);
    expect(took).toBeLessThan(1000);

    await a.app.inject({ method: 'DELETE', url: '/entitlement/e-repl/video/grant', headers: AUTH });
    await eventually(async () => !(await can(b, 'e-repl')).allowed);
  });

  it('sees a change written straight into the table, whoever wrote it', async () => {
    await a.app.inject({ method: 'POST', url: '/entitlement/e-sql/video/grant', headers: AUTH, payload: {} });
    await eventually(async () => (await can(b, 'e-sql')).allowed);
    await db.pool.query(`UPDATE np_stripe_entitlements SET allowed = false, status = 'revoked' WHERE entity_id = 'e-sql'`);
    await eventually(async () => !(await can(b, 'e-sql')).allowed);
  });

  it('falls back to the database while its listener is down, and uses memory again once back', async () => {
    await a.app.inject({ method: 'POST', url: '/entitlement/e-down/video/grant', headers: AUTH, payload: {} });
    await eventually(async () => (await can(b, 'e-down')).allowed);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      // Kill every LISTEN connection, then change the grant while the listeners reconnect.
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
      );
      await db.pool.query(`UPDATE np_stripe_entitlements SET allowed = false, status = 'revoked' WHERE entity_id = 'e-down'`);
      expect((await can(b, 'e-down')).allowed).toBe(false);
      // Reconnected: repeated checks are served from memory again.
      await eventually(async () => {
        const before = await checksFrom(b, 'memory');
        await can(b, 'e-down');
        await can(b, 'e-down');
        return (await checksFrom(b, 'memory')) > before;
      }, 5000);
    } finally {
      await admin.end();
    }
  });
});

const T = '00000000-0000-0000-0000-000000000001';
const answer = (n: number) => ({ allowed: n > 0, json: JSON.stringify({ n }) });
const jsonOf = (hit: { json: string } | undefined) => (hit ? (JSON.parse(hit.json) as { n: number }).n : undefined);

describe('EntitlementMemoryCache', () => {
  it('serves nothing while disabled', () => {
    const c = new EntitlementMemoryCache();
    c.set(T, 'e', 'pro', answer(1), Date.now() + 1000, c.snapshot());
    expect(c.get(T, 'e', 'pro')).toBeUndefined();
  });

  it('keeps tenants, entities and capabilities apart, whatever characters they hold', () => {
    const c = new EntitlementMemoryCache();
    c.setEnabled(true);
    const other = '00000000-0000-0000-0000-000000000002';
    const keys: [string, string, string][] = [
      [T, 'a', 'b\u0000c'],
      [T, 'a\u0000b', 'c'],
      [other, 'a', 'b\u0000c'],
      [T, 'ü-ß', 'pro'],
    ];
    keys.forEach(([t, e, cap], i) => c.set(t, e, cap, answer(i + 1), Date.now() + 1000, c.snapshot()));
    expect(keys.map(([t, e, cap]) => jsonOf(c.get(t, e, cap)))).toEqual([1, 2, 3, 4]);
    expect(c.get(T, 'a', 'b')).toBeUndefined();
    expect(c.size).toBe(4);
  });

  it('refuses a value read before an invalidation', () => {
    const c = new EntitlementMemoryCache();
    c.setEnabled(true);
    const snap = c.snapshot();
    c.invalidate(T, 'other', 'pro');
    c.set(T, 'k', 'pro', answer(1), Date.now() + 1000, snap);
    expect(c.get(T, 'k', 'pro')).toBeUndefined();
    c.set(T, 'k', 'pro', answer(2), Date.now() + 1000, c.snapshot());
    expect(jsonOf(c.get(T, 'k', 'pro'))).toBe(2);
    c.invalidate(T, 'k', 'pro');
    expect(c.get(T, 'k', 'pro')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('drops an entry at its deadline and keeps its size bounded, oldest first', () => {
    const c = new EntitlementMemoryCache(2);
    c.setEnabled(true);
    const now = Date.now();
    c.set(T, 'a', 'pro', answer(1), now + 50, c.snapshot());
    expect(jsonOf(c.get(T, 'a', 'pro', now + 49))).toBe(1);
    expect(c.get(T, 'a', 'pro', now + 50)).toBeUndefined();
    expect(c.size).toBe(0);
    for (const k of ['x', 'y', 'z']) c.set(T, k, 'pro', answer(1), now + 1000, c.snapshot());
    expect(c.size).toBe(2);
    expect(c.get(T, 'x', 'pro')).toBeUndefined();
    expect(jsonOf(c.get(T, 'z', 'pro'))).toBe(1);
    // Storing y again makes it the newest: z, stored after y the first time, is the one w pushes out.
    c.set(T, 'y', 'pro', answer(2), now + 1000, c.snapshot());
    c.set(T, 'w', 'pro', answer(3), now + 1000, c.snapshot());
    expect(c.size).toBe(2);
    expect(c.get(T, 'z', 'pro')).toBeUndefined();
    expect(jsonOf(c.get(T, 'y', 'pro'))).toBe(2);
  });

  it('stays bounded across tenants and capabilities', () => {
    const c = new EntitlementMemoryCache(3);
    c.setEnabled(true);
    for (let i = 0; i < 20; i++) c.set(`t${i % 4}`, `e${i}`, `cap${i % 3}`, answer(i + 1), Date.now() + 1000, c.snapshot());
    expect(c.size).toBe(3);
    expect([17, 18, 19].map((i) => jsonOf(c.get(`t${i % 4}`, `e${i}`, `cap${i % 3}`)))).toEqual([18, 19, 20]);
  });

  it('forgets everything when the listener is lost', () => {
    const c = new EntitlementMemoryCache();
    c.setEnabled(true);
    c.set(T, 'k', 'pro', answer(1), Date.now() + 1000, c.snapshot());
    c.setEnabled(false);
    c.setEnabled(true);
    expect(c.get(T, 'k', 'pro')).toBeUndefined();
    expect(c.size).toBe(0);
  });
});
