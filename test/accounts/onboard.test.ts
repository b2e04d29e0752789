import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUTH } from '../helpers/config.js';
import { OTHER_TENANT, TENANT, pathOf, simRequests, startHarness, stateOf, submitOnboarding, type Harness } from './helpers.js';

let h: Harness;
let n = 0;
const entity = (): string => `operator-${Date.now().toString(36)}-${n++}`;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await fetch(`${h.sim.url}/_sim/requests`, { method: 'DELETE' });
});

function onboard(body: unknown, headers: Record<string, string> = {}) {
  return h.t.app.inject({ method: 'POST', url: '/onboard', headers: { ...AUTH, 'x-tenant-id': TENANT, ...headers }, payload: body as object });
}

describe('POST /onboard (Account Link mode)', () => {
  it('creates an Express account with our metadata and answers an onboarding link back to the callback', async () => {
    const id = entity();
    const res = await onboard({ entity_id: id, email: 'op@example.com', country: 'de' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ url: string; mode: string; account_id: string; expires_at: string }>();
    expect(body.mode).toBe('account_link');
    expect(body.account_id).toMatch(/^acct_/);
    expect(new Date(body.expires_at).toISOString()).toBe(body.expires_at);
    expect(body.url.startsWith(h.sim.url)).toBe(true);

    const creates = await simRequests(h.sim, '/v1/accounts');
    expect(creates).toHaveLength(1);
    const account = (await (await fetch(`${h.sim.url}/_sim/objects/${body.account_id}`)).json()) as {
      object: { type: string; email: string; country: string; metadata: Record<string, string> };
    };
    expect(account.object).toMatchObject({ type: 'express', email: 'op@example.com', country: 'DE' });
    expect(account.object.metadata).toEqual({ nself_tenant_id: TENANT, nself_entity_id: id });

    const links = await simRequests(h.sim, '/v1/account_links');
    const params = JSON.stringify(links[0]);
    expect(params).toContain('account_onboarding');
    expect(params).toContain('http://nself.test/onboard/callback?state=');
    expect(params).toContain('refresh=1');

    const { rows } = await h.t.db.pool.query('SELECT status, stripe_account_id, connected_via FROM np_stripe_accounts WHERE entity_id = $1', [id]);
    expect(rows).toEqual([{ status: 'pending', stripe_account_id: body.account_id, connected_via: 'account_link' }]);
  });

  it('sends a deterministic idempotency key with the account creation', async () => {
    const id = entity();
    await onboard({ entity_id: id });
    const creates = await simRequests(h.sim, '/v1/accounts');
    expect(JSON.stringify(creates[0])).toMatch(/nself-onboard-account:[0-9a-f]{64}/);
  });

  it('a second call for the same entity reuses the account and mints a new link', async () => {
    const id = entity();
    const first = (await onboard({ entity_id: id })).json<{ account_id: string; url: string }>();
    const second = (await onboard({ entity_id: id })).json<{ account_id: string; url: string }>();
    expect(second.account_id).toBe(first.account_id);
    expect(second.url).not.toBe(first.url);
    expect(await simRequests(h.sim, '/v1/accounts')).toHaveLength(1);
  });

  it('six concurrent calls for one entity leave exactly one account at Stripe and one row', async () => {
    const id = entity();
    const answers = await Promise.all(Array.from({ length: 6 }, () => onboard({ entity_id: id })));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    const ids = new Set(answers.map((a) => a.json<{ account_id: string }>().account_id));
    expect(ids.size).toBe(1);
    expect(await simRequests(h.sim, '/v1/accounts')).toHaveLength(1);
    const listed = (await (await fetch(`${h.sim.url}/v1/accounts?limit=100`, { headers: { authorization: `Bearer ${'sk_test_51NselfPlatformKey000000000000'}` } })).json()) as {
      data: { metadata: Record<string, string> }[];
    };
    expect(listed.data.filter((a) => a.metadata.nself_entity_id === id)).toHaveLength(1);
    const { rows } = await h.t.db.pool.query('SELECT count(*)::int AS n FROM np_stripe_accounts WHERE entity_id = $1', [id]);
    expect(rows[0].n).toBe(1);
  });

  it('the same entity id under another tenant is another account', async () => {
    const id = entity();
    const a = (await onboard({ entity_id: id })).json<{ account_id: string }>();
    const b = (await onboard({ entity_id: id }, { 'x-tenant-id': OTHER_TENANT })).json<{ account_id: string }>();
    expect(b.account_id).not.toBe(a.account_id);
  });

  it('an active account gets an Express dashboard login link instead', async () => {
    const id = entity();
    const first = (await onboard({ entity_id: id })).json<{ url: string; account_id: string }>();
    const back = await submitOnboarding(first.url);
    expect((await h.t.app.inject({ method: 'GET', url: pathOf(back) })).statusCode).toBe(200);
    const res = await onboard({ entity_id: id });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ url: string; mode: string; account_id: string; expires_at: string }>();
    expect(body.mode).toBe('login_link');
    expect(body.account_id).toBe(first.account_id);
    expect(body.url).toContain(`/express/${first.account_id}/`);
    expect(await simRequests(h.sim, `/v1/accounts/${first.account_id}/login_links`)).toHaveLength(1);
  });

  it('a Stripe failure creating the account answers 502 and links no account (the pending row stays for a retry)', async () => {
    const id = entity();
    await fetch(`${h.sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: { method: 'POST', path: '^/v1/accounts$' }, status: 500, count: 5 }),
    });
    const res = await onboard({ entity_id: id });
    await fetch(`${h.sim.url}/_sim/faults`, { method: 'DELETE' });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ error: { code: 'stripe_error' } });
    // /onboard records its row before calling Stripe (SPEC §5, Trust): it stays pending, with no account.
    const { rows } = await h.t.db.pool.query('SELECT status, stripe_account_id FROM np_stripe_accounts WHERE entity_id = $1', [id]);
    expect(rows).toEqual([{ status: 'pending', stripe_account_id: null }]);
    const retried = await onboard({ entity_id: id });
    expect(retried.statusCode).toBe(200);
    expect(retried.json<{ account_id: string }>().account_id).toMatch(/^acct_/);
  });
});

describe('POST /onboard (OAuth mode)', () => {
  it('answers the Express authorize URL with client id, redirect uri, email and a signed state; stores no account', async () => {
    const id = entity();
    const res = await onboard({ entity_id: id, mode: 'oauth', email: 'op@example.com', return_url: 'https://app.example/done?x=1' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ url: string; mode: string; expires_at: string; account_id?: string }>();
    expect(body.mode).toBe('oauth');
    expect(body.account_id).toBeUndefined();
    const u = new URL(body.url);
    expect(`${u.origin}${u.pathname}`).toBe(`${h.sim.url}/express/oauth/authorize`);
    expect(u.searchParams.get('response_type')).toBe('code');
    expect(u.searchParams.get('client_id')).toBe('ca_NselfTestClient0000000000');
    expect(u.searchParams.get('scope')).toBe('read_write');
    expect(u.searchParams.get('redirect_uri')).toBe('http://nself.test/onboard/callback');
    expect(u.searchParams.get('stripe_user[email]')).toBe('op@example.com');
    expect(stateOf(body.url)).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const expiresIn = new Date(body.expires_at).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(0);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    const { rows } = await h.t.db.pool.query('SELECT count(*)::int AS n FROM np_stripe_accounts WHERE entity_id = $1', [id]);
    expect(rows[0].n).toBe(0);
    expect(await simRequests(h.sim, '/v1/accounts')).toHaveLength(0);
  });
});

describe('POST /onboard input and auth', () => {
  it('refuses a missing or wrong bearer token with 401', async () => {
    const none = await h.t.app.inject({ method: 'POST', url: '/onboard', payload: { entity_id: 'x' } });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const wrong = await onboard({ entity_id: 'x' }, { authorization: 'Bearer not-the-token-0000000000' });
    expect(wrong.statusCode).toBe(401);
  });

  it.each([
    ['missing entity_id', {}],
    ['a numeric entity_id', { entity_id: 42 }],
    ['an entity_id with a slash', { entity_id: 'a/b' }],
    ['a three-letter country', { entity_id: 'x', country: 'DEU' }],
    ['a non-http return_url', { entity_id: 'x', return_url: 'javascript:alert(1)' }],
    ['an unknown mode', { entity_id: 'x', mode: 'standard' }],
    ['a malformed email', { entity_id: 'x', email: 'nope' }],
  ])('answers 400 in the error shape for %s', async (_name, body) => {
    const res = await onboard(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'validation_error', message: expect.any(String) } });
  });

  it('answers 400 for a tenant header that is not a UUID', async () => {
    const res = await onboard({ entity_id: 'x' }, { 'x-tenant-id': 'acme' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_tenant' } });
  });

  it('accepts a unicode entity id', async () => {
    const id = `opérateur-東京-${n++}`;
    const res = await onboard({ entity_id: id });
    expect(res.statusCode).toBe(200);
    const account = await h.t.app.inject({ method: 'GET', url: `/account/${encodeURIComponent(id)}`, headers: { ...AUTH, 'x-tenant-id': TENANT } });
    expect(account.json()).toMatchObject({ entity_id: id, status: 'pending' });
  });

  it('answers 413 in the error shape for a 2 MiB body', async () => {
    const res = await onboard({ entity_id: 'x', email: `${'a'.repeat(2 * 1024 * 1024)}@example.com` });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});

describe('POST /onboard rate limit', () => {
  it('answers 429 in the error shape past NSELF_RATE_LIMIT_MAX', async () => {
    const limited = await startHarness({ env: { NSELF_RATE_LIMIT_MAX: '2' } });
    try {
      const call = () =>
        limited.t.app.inject({ method: 'POST', url: '/onboard', headers: { ...AUTH, 'x-tenant-id': TENANT }, payload: { entity_id: 'rl', mode: 'oauth' } });
      expect((await call()).statusCode).toBe(200);
      expect((await call()).statusCode).toBe(200);
      const third = await call();
      expect(third.statusCode).toBe(429);
      expect(third.json()).toMatchObject({ error: { code: 'rate_limited' } });
    } finally {
      await limited.close();
    }
  });
});
