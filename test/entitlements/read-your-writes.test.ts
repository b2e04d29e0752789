import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChangedGrants } from '../../src/db/committed-grants.js';
import { withTransaction } from '../../src/db/transaction.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { AUTH } from '../helpers/config.js';
import { deliver, makeEvent, seedAccount, subscriptionObject, TENANT, uniqueId } from '../webhooks/helpers.js';

const headers = { ...AUTH, 'x-tenant-id': TENANT };
let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp({ env: { STRIPE_ENTITLEMENT_MEMORY_CACHE: 'true' } });
  // The cache serves answers only once its listener is connected.
  for (let i = 0; i < 100 && !(await cacheServes()); i++) await new Promise((r) => setTimeout(r, 20));
});
afterAll(async () => {
  await t?.close();
});

async function memoryChecks(): Promise<number> {
  const { values } = await t.app.ctx.metrics.entitlementChecks.get();
  return values.filter((v) => v.labels.source === 'memory').reduce((n, v) => n + v.value, 0);
}

async function cacheServes(): Promise<boolean> {
  const before = await memoryChecks();
  await can('warmup');
  await can('warmup');
  return (await memoryChecks()) > before;
}

async function can(entity: string, capability = 'pro'): Promise<boolean> {
  const res = await t.app.inject({ method: 'GET', url: `/entitlement/${entity}/${capability}`, headers });
  expect(res.statusCode).toBe(200);
  return res.json<{ allowed: boolean }>().allowed;
}

describe('read-your-writes on one replica, with the in-process cache on', () => {
  it('a check right after a write answers from the new state, 1,000 times in a row', async () => {
    const entity = uniqueId('ryw');
    const url = `/entitlement/${entity}/pro/grant`;
    expect(await can(entity)).toBe(false);
    const before = await memoryChecks();
    let stale = 0;
    for (let i = 0; i < 1000; i++) {
      const granting = i % 2 === 0;
      const res = await t.app.inject({ method: granting ? 'POST' : 'DELETE', url, headers, ...(granting ? { payload: {} } : {}) });
      expect(res.statusCode).toBeLessThan(300);
      if ((await can(entity)) !== granting) stale++;
      // A second check is served from memory, and must agree too.
      if ((await can(entity)) !== granting) stale++;
    }
    expect(stale).toBe(0);
    // The cache was in play: second checks came from memory, except where the write's own
    // NOTIFY, arriving after the first check, had already dropped the entry again (the share
    // depends on the machine: 95 to over 200 of the 1,000 have been seen).
    expect((await memoryChecks()) - before).toBeGreaterThan(0);
    // Once the notifications settle, a repeated check of this key is always answered from memory.
    await new Promise((r) => setTimeout(r, 200));
    expect(await can(entity)).toBe(false);
    const settled = await memoryChecks();
    expect(await can(entity)).toBe(false);
    expect((await memoryChecks()) - settled).toBe(1);
  }, 180_000);

  it('a check right after a disconnect answers denied', async () => {
    const operator = uniqueId('op');
    const accountId = uniqueId('acct');
    await seedAccount(t.db.pool, { accountId, entityId: operator });
    const buyer = uniqueId('buyer');
    const sub = uniqueId('sub');
    const object = subscriptionObject({ id: sub, status: 'active', entityId: buyer, capabilities: 'pro' });
    expect((await deliver(t.app, makeEvent({ type: 'customer.subscription.created', account: accountId, object }))).status).toBe(200);
    expect(await can(buyer)).toBe(true);
    expect(await can(buyer)).toBe(true); // remembered
    const res = await t.app.inject({ method: 'POST', url: `/account/${operator}/disconnect`, headers });
    expect(res.statusCode).toBe(200);
    expect(await can(buyer)).toBe(false);
  });

  it('a transaction that changes grants reports their keys with its commit; one that changes none reports nothing', async () => {
    const heard: unknown[] = [];
    const { onGrantsCommitted } = await import('../../src/db/committed-grants.js');
    const stop = onGrantsCommitted(t.db.pool, (changed) => heard.push(changed));
    try {
      await withTransaction(t.db.pool, (tx) => tx.query('SELECT 1'));
      expect(heard).toEqual([]);
      await withTransaction(t.db.pool, (tx) =>
        tx.query(
          `INSERT INTO np_stripe_entitlements (tenant_id, entity_id, capability, source_type, source_id, status, allowed)
           VALUES ($1, 'k1', 'a', 'manual', 'manual', 'manual', true), ($1, 'k2', 'b', 'manual', 'manual', 'manual', true)`,
          [TENANT],
        ),
      );
      expect(heard).toEqual([[[TENANT, 'k1', 'a'], [TENANT, 'k2', 'b']]]);
      // A rolled-back transaction announces nothing.
      await expect(
        withTransaction(t.db.pool, async (tx) => {
          await tx.query(`UPDATE np_stripe_entitlements SET quantity = 2 WHERE entity_id = 'k1'`);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(heard).toHaveLength(1);
      // So many keys that listing them would be costly: the commit says "all".
      await withTransaction(t.db.pool, (tx) =>
        tx.query(
          `INSERT INTO np_stripe_entitlements (tenant_id, entity_id, capability, source_type, source_id, status, allowed)
           SELECT $1, 'bulk-' || i, 'c', 'manual', 'manual', 'manual', true FROM generate_series(1, 3000) i`,
          [TENANT],
        ),
      );
      expect(heard[1]).toBe('all');
    } finally {
      stop();
    }
  });
});

describe('parseChangedGrants', () => {
  it('reads keys, says "all" for the marker or anything unreadable, and nothing for an empty setting', () => {
    expect(parseChangedGrants('')).toBeNull();
    expect(parseChangedGrants(null)).toBeNull();
    expect(parseChangedGrants('*')).toBe('all');
    expect(parseChangedGrants('["t","e","c"]\n["t","e2","c"]')).toEqual([['t', 'e', 'c'], ['t', 'e2', 'c']]);
    expect(parseChangedGrants('["t","e"]')).toBe('all');
    expect(parseChangedGrants('not json')).toBe('all');
  });
});
