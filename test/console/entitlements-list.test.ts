import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ADMIN, BOUND_ADMIN, CHECK, TENANT_A, TENANT_B, TOKENS_ENV, bearer, seedAccount, seedGrant } from './helpers.js';

interface Grant {
  entity_id: string;
  capability: string;
  source_type: string;
  source_id: string;
  status: string;
  allowed: boolean;
  dashboard_url: string | null;
}
interface Listed {
  data: Grant[];
  next_cursor: string | null;
  counts: { by_status: Record<string, number>; allowing: number; payment_failed: number };
}

let t: TestApp;
const headersA = { ...ADMIN, 'x-tenant-id': TENANT_A };
const list = async (query: string, headers: Record<string, string> = headersA) => t.app.inject({ method: 'GET', url: `/entitlements${query}`, headers });

beforeAll(async () => {
  t = await buildTestApp({ env: { ...TOKENS_ENV, STRIPE_API_BASE: 'http://127.0.0.1:12111' } });
  const pool = t.db.pool;
  await seedAccount(pool, { tenantId: TENANT_A, entityId: 'seller', accountId: 'acct_sells' });
  await seedAccount(pool, { tenantId: TENANT_A, entityId: 'gone', accountId: 'acct_gone', status: 'deauthorized' });
  await seedGrant(pool, { tenantId: TENANT_A, entityId: 'alice', capability: 'pro', sourceType: 'subscription', sourceId: 'sub_1', accountId: 'acct_sells' });
  await seedGrant(pool, { tenantId: TENANT_A, entityId: 'alice', capability: 'pro', sourceType: 'payment', sourceId: 'pi_1', accountId: 'acct_sells', status: 'paid' });
  await seedGrant(pool, { tenantId: TENANT_A, entityId: 'alice', capability: 'reports', sourceType: 'manual', sourceId: 'manual', status: 'manual' });
  await seedGrant(pool, { tenantId: TENANT_A, entityId: 'bob', capability: 'pro', sourceType: 'subscription', sourceId: 'sub_2', accountId: 'acct_sells', status: 'past_due', allowed: false });
  // Sold under an account that disconnected: it never allows, whatever its subscription says.
  await seedGrant(pool, { tenantId: TENANT_A, entityId: 'carol', capability: 'pro', sourceType: 'subscription', sourceId: 'sub_3', accountId: 'acct_gone' });
  await seedGrant(pool, { tenantId: TENANT_B, entityId: 'alice', capability: 'pro', sourceType: 'manual', sourceId: 'manual', status: 'manual' });
});
afterAll(async () => {
  await t.close();
});

describe('GET /entitlements', () => {
  it('pages through the tenant grants by (entity, capability, source)', async () => {
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const body: Listed = (await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json<Listed>();
      seen.push(...body.data.map((g) => `${g.entity_id}/${g.capability}/${g.source_id}`));
      cursor = body.next_cursor;
    }
    expect(seen).toEqual(['alice/pro/pi_1', 'alice/pro/sub_1', 'alice/reports/manual', 'bob/pro/sub_2', 'carol/pro/sub_3']);
  });

  it('says allowed exactly when billing.can counts the grant, and counts the tenant', async () => {
    const body = (await list('')).json<Listed>();
    const byKey = Object.fromEntries(body.data.map((g) => [`${g.entity_id}/${g.source_id}`, g.allowed]));
    expect(byKey).toEqual({ 'alice/pi_1': true, 'alice/sub_1': true, 'alice/manual': true, 'bob/sub_2': false, 'carol/sub_3': false });
    const carol = await t.app.inject({ method: 'GET', url: '/entitlement/carol/pro', headers: headersA });
    expect(carol.json()).toMatchObject({ allowed: false });
    expect(body.counts).toEqual({ by_status: { active: 2, manual: 1, paid: 1, past_due: 1 }, allowing: 3, payment_failed: 0 });
  });

  it('searches by entity and capability prefix and by source type', async () => {
    const ids = async (q: string) => (await list(q)).json<Listed>().data.map((g) => `${g.entity_id}/${g.source_id}`);
    expect(await ids('?entity_id=al')).toEqual(['alice/pi_1', 'alice/sub_1', 'alice/manual']);
    expect(await ids('?capability=rep')).toEqual(['alice/manual']);
    expect(await ids('?capability=pro&source_type=subscription')).toEqual(['alice/sub_1', 'bob/sub_2', 'carol/sub_3']);
    expect(await ids('?entity_id=%25')).toEqual([]);
  });

  it('links subscriptions and payments to their connected account in the Dashboard, manual grants nowhere', async () => {
    const body = (await list('?entity_id=alice')).json<Listed>();
    expect(body.data.map((g) => g.dashboard_url)).toEqual([
      'http://127.0.0.1:12111/acct_sells/test/payments/pi_1',
      'http://127.0.0.1:12111/acct_sells/test/subscriptions/sub_1',
      null,
    ]);
  });

  it('keeps tenants apart', async () => {
    const b = (await list('', { ...ADMIN, 'x-tenant-id': TENANT_B })).json<Listed>();
    expect(b.data.map((g) => `${g.entity_id}/${g.source_id}`)).toEqual(['alice/manual']);
    expect((await list('', bearer(BOUND_ADMIN))).json<Listed>().data).toHaveLength(5);
  });

  it('refuses a missing token (401), a check token and a bound token naming another tenant (403)', async () => {
    expect((await list('', {})).statusCode).toBe(401);
    expect((await list('', bearer(CHECK))).statusCode).toBe(403);
    expect((await list('', { ...bearer(BOUND_ADMIN), 'x-tenant-id': TENANT_B })).statusCode).toBe(403);
  });

  it.each([
    ['?source_type=gift', 'source_type'],
    ['?limit=abc', 'limit'],
    [`?cursor=${Buffer.from('["alice"]').toString('base64url')}`, 'cursor'],
    ['?capability=', 'capability'],
    ['?entity=alice', 'entity'],
  ])('answers 400 in the error shape for %s, naming %s', async (query, param) => {
    const res = await list(query);
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: { code: string; details: unknown } }>();
    expect(body.error.code).toBe('validation_error');
    expect(JSON.stringify(body.error.details)).toContain(param);
  });
});
