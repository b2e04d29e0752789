import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ADMIN, BOUND_ADMIN, CHECK, TENANT_A, TENANT_B, TOKENS_ENV, bearer, seedAccount } from './helpers.js';

interface Listed {
  data: Array<{ entity_id: string; account_id: string | null; status: string; requirements_due: string[]; dashboard_url: string | null }>;
  next_cursor: string | null;
  counts: { by_status: Record<string, number>; requirements_due: number };
}

let t: TestApp;
const list = async (query: string, headers: Record<string, string> = { ...ADMIN, 'x-tenant-id': TENANT_A }) =>
  t.app.inject({ method: 'GET', url: `/accounts${query}`, headers });

beforeAll(async () => {
  t = await buildTestApp({ env: { ...TOKENS_ENV, STRIPE_API_BASE: 'http://127.0.0.1:12111' } });
  for (let i = 0; i < 7; i++) {
    await seedAccount(t.db.pool, {
      tenantId: TENANT_A,
      entityId: `op-${i}`,
      accountId: `acct_a${i}`,
      status: i < 4 ? 'active' : 'restricted',
      requirementsDue: i >= 5 ? ['external_account'] : [],
    });
  }
  await seedAccount(t.db.pool, { tenantId: TENANT_A, entityId: 'op_under%score', accountId: null, status: 'pending' });
  await seedAccount(t.db.pool, { tenantId: TENANT_B, entityId: 'op-b', accountId: 'acct_b0' });
});
afterAll(async () => {
  await t.close();
});

describe('GET /accounts', () => {
  it('pages through every account of the tenant in entity order, with the tenant counts on each page', async () => {
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const res = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json<Listed>();
      expect(body.counts).toEqual({ by_status: { pending: 1, onboarding: 0, restricted: 3, active: 4, deauthorized: 0 }, requirements_due: 2 });
      seen.push(...body.data.map((a) => a.entity_id));
      cursor = body.next_cursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['op-0', 'op-1', 'op-2', 'op-3', 'op-4', 'op-5', 'op-6', 'op_under%score']);
  });

  it('filters by status, requirements due and entity prefix (LIKE wildcards taken literally)', async () => {
    expect((await list('?status=restricted')).json<Listed>().data.map((a) => a.entity_id)).toEqual(['op-4', 'op-5', 'op-6']);
    const due = (await list('?requirements=due')).json<Listed>().data;
    expect(due.map((a) => [a.entity_id, a.requirements_due])).toEqual([['op-5', ['external_account']], ['op-6', ['external_account']]]);
    expect((await list('?requirements=none&status=active')).json<Listed>().data).toHaveLength(4);
    expect((await list('?entity_id=op_')).json<Listed>().data.map((a) => a.entity_id)).toEqual(['op_under%score']);
    expect((await list('?entity_id=op%25')).json<Listed>().data).toEqual([]);
  });

  it('links each account to the Dashboard page of the Stripe server in use (the simulator here)', async () => {
    const first = (await list('?limit=1')).json<Listed>().data[0]!;
    expect(first.dashboard_url).toBe('http://127.0.0.1:12111/test/connect/accounts/acct_a0');
    const pending = (await list('?entity_id=op_')).json<Listed>().data[0]!;
    expect(pending.dashboard_url).toBeNull();
  });

  it('never shows another tenant: the named tenant, or the bound token own', async () => {
    const b = (await list('', { ...ADMIN, 'x-tenant-id': TENANT_B })).json<Listed>();
    expect(b.data.map((a) => a.entity_id)).toEqual(['op-b']);
    const bound = (await list('', bearer(BOUND_ADMIN))).json<Listed>();
    expect(bound.data).toHaveLength(8);
    expect(bound.data.every((a) => a.account_id !== 'acct_b0')).toBe(true);
  });

  it('refuses a missing token (401), a check token and a bound token naming another tenant (403)', async () => {
    expect((await list('', {})).statusCode).toBe(401);
    const check = await list('', bearer(CHECK));
    expect(check.statusCode).toBe(403);
    expect(check.json()).toMatchObject({ error: { code: 'forbidden' } });
    const other = await list('', { ...bearer(BOUND_ADMIN), 'x-tenant-id': TENANT_B });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: { code: 'tenant_forbidden' } });
  });

  it.each([
    ['?status=gone', 'status'],
    ['?requirements=maybe', 'requirements'],
    ['?limit=0', 'limit'],
    ['?limit=201', 'limit'],
    ['?cursor=not-a-cursor', 'cursor'],
    [`?cursor=${Buffer.from('["a","b"]').toString('base64url')}`, 'cursor'],
    [`?cursor=${Buffer.from('["a\\u0000"]').toString('base64url')}`, 'cursor'],
    ['?entity_id=a%00b', 'entity_id'],
    ['?sort=entity_id', 'sort'],
  ])('answers 400 in the error shape for %s, naming %s', async (query, param) => {
    const res = await list(query);
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: { code: string; details: unknown } }>();
    expect(body.error.code).toBe('validation_error');
    expect(JSON.stringify(body.error.details)).toContain(param);
  });
});
