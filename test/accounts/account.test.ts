import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';
import { AUTH } from '../helpers/config.js';
import { OTHER_TENANT, TENANT, decideOAuth, pathOf, simRequests, startHarness, submitOnboarding, type Harness } from './helpers.js';

let h: Harness;
let n = 0;
const entity = (): string => `acct-operator-${Date.now().toString(36)}-${n++}`;
const headers = { ...AUTH, 'x-tenant-id': TENANT };

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function onboardedByLink(id: string): Promise<string> {
  const res = await h.t.app.inject({ method: 'POST', url: '/onboard', headers, payload: { entity_id: id } });
  const { url, account_id } = res.json<{ url: string; account_id: string }>();
  await h.t.app.inject({ method: 'GET', url: pathOf(await submitOnboarding(url)) });
  return account_id;
}
async function onboardedByOAuth(id: string): Promise<string> {
  const res = await h.t.app.inject({ method: 'POST', url: '/onboard', headers, payload: { entity_id: id, mode: 'oauth' } });
  const done = await h.t.app.inject({ method: 'GET', url: pathOf(await decideOAuth(res.json<{ url: string }>().url, 'approve')) });
  return done.json<{ account_id: string }>().account_id;
}
const getAccount = (id: string, extra: Record<string, string> = {}) =>
  h.t.app.inject({ method: 'GET', url: `/account/${encodeURIComponent(id)}`, headers: { ...headers, ...extra } });
const disconnect = (id: string) => h.t.app.inject({ method: 'POST', url: `/account/${encodeURIComponent(id)}/disconnect`, headers });

async function seedGrants(accountId: string, entityId: string): Promise<void> {
  await h.t.db.pool.query(
    `INSERT INTO np_stripe_entitlements (tenant_id, entity_id, capability, source_type, source_id, status, allowed, stripe_account_id)
     VALUES ($1, $2, 'pro', 'subscription', $3, 'active', true, $4),
            ($1, $2, 'addon', 'payment', $5, 'paid', true, $4),
            ($1, $2, 'comp', 'manual', 'manual', 'active', true, $4)`,
    [TENANT, `${entityId}-customer`, `sub_${entityId}`, accountId, `pi_${entityId}`],
  );
}
/** What billing.can answers for each capability seeded under the account. */
async function grants(accountId: string): Promise<Record<string, { allowed: boolean; status: string }>> {
  const { rows } = await h.t.db.pool.query<{ entity_id: string; capability: string }>(
    'SELECT entity_id, capability FROM np_stripe_entitlements WHERE stripe_account_id = $1',
    [accountId],
  );
  const out: Record<string, { allowed: boolean; status: string }> = {};
  for (const r of rows) {
    const res = await h.t.app.inject({ method: 'GET', url: `/entitlement/${r.entity_id}/${r.capability}`, headers });
    const { allowed, status } = res.json<{ allowed: boolean; status: string }>();
    out[r.capability] = { allowed, status };
  }
  return out;
}

describe('GET /account/:entity_id', () => {
  it('shows the account state with a test-mode dashboard link and no token', async () => {
    const id = entity();
    const accountId = await onboardedByOAuth(id);
    const res = await getAccount(id);
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(
      [
        'entity_id', 'account_id', 'status', 'connected_via', 'charges_enabled', 'payouts_enabled', 'details_submitted',
        'requirements_due', 'requirements_deadline', 'livemode', 'dashboard_url', 'created_at', 'updated_at', 'deauthorized_at',
      ].sort(),
    );
    expect(body).toMatchObject({
      entity_id: id,
      account_id: accountId,
      status: 'active',
      connected_via: 'oauth',
      requirements_due: [],
      livemode: false,
      deauthorized_at: null,
      dashboard_url: `https://dashboard.stripe.com/test/connect/accounts/${accountId}`,
    });
    expect(res.body).not.toMatch(/sk_test_|rt_|access_token|refresh_token/);
  });

  it('lists what a pending account still owes', async () => {
    const id = entity();
    await h.t.app.inject({ method: 'POST', url: '/onboard', headers, payload: { entity_id: id } });
    const body = (await getAccount(id)).json<{ status: string; requirements_due: string[]; details_submitted: boolean }>();
    expect(body.status).toBe('pending');
    expect(body.details_submitted).toBe(false);
    expect(body.requirements_due).toContain('external_account');
  });

  it('answers 404 for an entity without an account, and for another tenant', async () => {
    const none = await getAccount(entity());
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ error: { code: 'not_found' } });
    const id = entity();
    await onboardedByLink(id);
    expect((await getAccount(id, { 'x-tenant-id': OTHER_TENANT })).statusCode).toBe(404);
  });

  it('requires the bearer token', async () => {
    const res = await h.t.app.inject({ method: 'GET', url: '/account/x' });
    expect(res.statusCode).toBe(401);
  });

  it('links into the live dashboard path with a live key', async () => {
    // Live mode refuses the embedded database: it names one, never opened (the test app brings its own pool).
    const live = await buildTestApp({ env: { STRIPE_PLATFORM_SECRET_KEY: 'sk_live_51NselfLiveKey000000000000', DATABASE_URL: 'postgres://unused/live' } });
    try {
      await live.db.pool.query(
        `INSERT INTO np_stripe_accounts (tenant_id, entity_id, stripe_account_id, connected_via, status, livemode) VALUES ($1, 'op', 'acct_live1', 'account_link', 'active', true)`,
        [TENANT],
      );
      const res = await live.app.inject({ method: 'GET', url: '/account/op', headers });
      expect(res.json()).toMatchObject({ livemode: true, dashboard_url: 'https://dashboard.stripe.com/connect/accounts/acct_live1' });
    } finally {
      await live.close();
    }
  });
});

describe('POST /account/:entity_id/disconnect', () => {
  it('deauthorizes an OAuth connection at Stripe, erases its tokens and stops its sold grants', async () => {
    const id = entity();
    const accountId = await onboardedByOAuth(id);
    await seedGrants(accountId, id);
    const res = await disconnect(id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'deauthorized', account_id: accountId, deauthorized_at: expect.any(String) });
    const calls = await simRequests(h.sim, '/oauth/deauthorize');
    expect(JSON.stringify(calls)).toContain(accountId);
    const { rows } = await h.t.db.pool.query('SELECT access_token, refresh_token FROM np_stripe_accounts WHERE entity_id = $1', [id]);
    expect(rows[0]).toEqual({ access_token: null, refresh_token: null });
    expect(await grants(accountId)).toEqual({
      pro: { allowed: false, status: 'account_deauthorized' },
      addon: { allowed: false, status: 'account_deauthorized' },
      comp: { allowed: true, status: 'active' },
    });
  });

  it('is idempotent: a second call answers 200 with the same body and calls Stripe no more', async () => {
    const id = entity();
    const accountId = await onboardedByOAuth(id);
    const first = await disconnect(id);
    const before = (await simRequests(h.sim, '/oauth/deauthorize')).filter((r) => JSON.stringify(r).includes(accountId)).length;
    const second = await disconnect(id);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    const after = (await simRequests(h.sim, '/oauth/deauthorize')).filter((r) => JSON.stringify(r).includes(accountId)).length;
    expect(after).toBe(before);
  });

  it('treats an account Stripe already disconnected as done', async () => {
    const id = entity();
    const accountId = await onboardedByOAuth(id);
    await fetch(`${h.sim.url}/_sim/accounts/${accountId}/deauthorize`, { method: 'POST' });
    const res = await disconnect(id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'deauthorized' });
  });

  it('disconnects an Account Link account locally without an OAuth call', async () => {
    const id = entity();
    const accountId = await onboardedByLink(id);
    await seedGrants(accountId, id);
    const res = await disconnect(id);
    expect(res.json()).toMatchObject({ status: 'deauthorized', connected_via: 'account_link' });
    expect(JSON.stringify(await simRequests(h.sim, '/oauth/deauthorize'))).not.toContain(accountId);
    expect((await grants(accountId)).pro).toEqual({ allowed: false, status: 'account_deauthorized' });
  });

  it('a failing Stripe deauthorize answers 502 and changes nothing here', async () => {
    const id = entity();
    await onboardedByOAuth(id);
    await fetch(`${h.sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: { method: 'POST', path: '/oauth/deauthorize' }, status: 500, count: 5 }),
    });
    const res = await disconnect(id);
    await fetch(`${h.sim.url}/_sim/faults`, { method: 'DELETE' });
    expect(res.statusCode).toBe(502);
    expect((await getAccount(id)).json()).toMatchObject({ status: 'active' });
  });

  it('answers 404 for an unknown entity and 401 without a token', async () => {
    expect((await disconnect(entity())).statusCode).toBe(404);
    expect((await h.t.app.inject({ method: 'POST', url: '/account/x/disconnect' })).statusCode).toBe(401);
  });

  it('a disconnected entity can be connected again by OAuth', async () => {
    const id = entity();
    const first = await onboardedByOAuth(id);
    await disconnect(id);
    const second = await onboardedByOAuth(id);
    expect(second).not.toBe(first);
    expect((await getAccount(id)).json()).toMatchObject({ status: 'active', account_id: second, deauthorized_at: null });
  });
});
