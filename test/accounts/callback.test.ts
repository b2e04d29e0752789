import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signState } from '../../src/accounts/state.js';
import { AUTH, TEST_ENV } from '../helpers/config.js';
import { TENANT, decideOAuth, pathOf, startHarness, stateOf, submitOnboarding, type Harness } from './helpers.js';

let h: Harness;
let n = 0;
const entity = (): string => `cb-operator-${Date.now().toString(36)}-${n++}`;
const KEY = TEST_ENV.NSELF_DB_ENCRYPTION_KEY;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function onboard(body: Record<string, unknown>): Promise<{ url: string; account_id?: string }> {
  const res = await h.t.app.inject({ method: 'POST', url: '/onboard', headers: { ...AUTH, 'x-tenant-id': TENANT }, payload: body });
  expect(res.statusCode).toBe(200);
  return res.json();
}
const callback = (url: string) => h.t.app.inject({ method: 'GET', url: pathOf(url) });
const getAccount = (id: string) => h.t.app.inject({ method: 'GET', url: `/account/${encodeURIComponent(id)}`, headers: { ...AUTH, 'x-tenant-id': TENANT } });
async function rowCount(entityId: string): Promise<number> {
  const { rows } = await h.t.db.pool.query('SELECT count(*)::int AS n FROM np_stripe_accounts WHERE entity_id = $1', [entityId]);
  return rows[0].n;
}

describe('GET /onboard/callback after an Account Link', () => {
  it('records the completed account and redirects to return_url with its status, keeping its query', async () => {
    const id = entity();
    const started = await onboard({ entity_id: id, return_url: 'https://app.example/done?tab=billing' });
    const back = await submitOnboarding(started.url);
    expect(back.startsWith('http://nself.test/onboard/callback?state=')).toBe(true);
    const res = await callback(back);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('https://app.example/done?tab=billing&status=active');
    expect((await getAccount(id)).json()).toMatchObject({ status: 'active', charges_enabled: true, payouts_enabled: true, details_submitted: true });
  });

  it('answers JSON with status, account and entity when no return_url was given', async () => {
    const id = entity();
    const started = await onboard({ entity_id: id });
    const res = await callback(await submitOnboarding(started.url));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'active', account_id: started.account_id, entity_id: id });
  });

  it('an operator returning without finishing is recorded as onboarding', async () => {
    const id = entity();
    const started = await onboard({ entity_id: id });
    const u = new URL(started.url);
    const back = `http://nself.test/onboard/callback?state=${encodeURIComponent(stateOfLink(await linkReturnUrl(u.toString())))}`;
    const res = await callback(back);
    expect(res.json()).toMatchObject({ status: 'onboarding' });
  });

  it('a refresh mints a fresh account link and redirects to it', async () => {
    const id = entity();
    const started = await onboard({ entity_id: id });
    const refresh = await submitOnboarding(started.url, 'refresh');
    expect(new URL(refresh).searchParams.get('refresh')).toBe('1');
    const res = await callback(refresh);
    expect(res.statusCode).toBe(302);
    const next = String(res.headers.location);
    expect(next.startsWith(`${h.sim.url}/setup/e/${started.account_id}/`)).toBe(true);
    expect(next).not.toBe(started.url);
    // The new link works all the way through.
    expect((await callback(await submitOnboarding(next))).json()).toMatchObject({ status: 'active' });
  });

  it('a state used once cannot be used again', async () => {
    const id = entity();
    const back = await submitOnboarding((await onboard({ entity_id: id })).url);
    expect((await callback(back)).statusCode).toBe(200);
    const again = await callback(back);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: { code: 'invalid_state' } });
  });
});

// The return URL our link carries, read from the simulator's record of the account_links call.
async function linkReturnUrl(linkUrl: string): Promise<string> {
  const token = linkUrl.split('/').pop()!;
  const res = await fetch(`${h.sim.url}/_sim/requests?method=POST&path=/v1/account_links`);
  const log = (await res.json()) as { data: unknown[] };
  const entry = JSON.stringify(log.data.at(-1));
  const match = /"return_url":"([^"]+)"/.exec(entry);
  if (!match) throw new Error(`no return_url for link ${token}`);
  return match[1]!;
}
const stateOfLink = (url: string): string => stateOf(url);

describe('GET /onboard/callback after OAuth', () => {
  it('exchanges the code, stores the tokens encrypted and links the account as oauth', async () => {
    const id = entity();
    const started = await onboard({ entity_id: id, mode: 'oauth', email: 'oauth@example.com', return_url: 'https://app.example/done' });
    const back = await decideOAuth(started.url, 'approve');
    expect(new URL(back).searchParams.get('code')).toMatch(/^ac_/);
    const res = await callback(back);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('https://app.example/done?status=active');
    const view = (await getAccount(id)).json<Record<string, unknown>>();
    expect(view).toMatchObject({ status: 'active', connected_via: 'oauth', charges_enabled: true });
    expect(view.account_id).toMatch(/^acct_/);
    const { rows } = await h.t.db.pool.query(
      `SELECT tokens_encrypted, pgp_sym_decrypt(access_token, $2) AS access, pgp_sym_decrypt(refresh_token, $2) AS refresh
         FROM np_stripe_accounts WHERE entity_id = $1`,
      [id, KEY],
    );
    expect(rows[0].tokens_encrypted).toBe(true);
    expect(rows[0].access).toMatch(/^sk_test_/);
    expect(rows[0].refresh).toMatch(/^rt_/);
  });

  it('a denial with a return_url redirects there with error=access_denied and stores nothing', async () => {
    const id = entity();
    const started = await onboard({ entity_id: id, mode: 'oauth', return_url: 'https://app.example/done?x=1' });
    const res = await callback(await decideOAuth(started.url, 'deny'));
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('https://app.example/done?x=1&error=access_denied');
    expect(await rowCount(id)).toBe(0);
  });

  it('a denial without a return_url answers 400 access_denied and stores nothing', async () => {
    const id = entity();
    const res = await callback(await decideOAuth((await onboard({ entity_id: id, mode: 'oauth' })).url, 'deny'));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'access_denied' } });
    expect(await rowCount(id)).toBe(0);
  });

  it('a code Stripe refuses answers 400 and stores nothing; the state stays usable', async () => {
    const id = entity();
    const started = await onboard({ entity_id: id, mode: 'oauth' });
    const state = stateOf(started.url);
    const bad = await callback(`http://nself.test/onboard/callback?state=${encodeURIComponent(state)}&code=ac_doesnotexist`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_grant' } });
    expect(await rowCount(id)).toBe(0);
    const good = await callback(await decideOAuth(started.url, 'approve'));
    expect(good.statusCode).toBe(200);
    expect(await rowCount(id)).toBe(1);
  });

  it('a reused state is refused even with a fresh code', async () => {
    const id = entity();
    const started = await onboard({ entity_id: id, mode: 'oauth' });
    expect((await callback(await decideOAuth(started.url, 'approve'))).statusCode).toBe(200);
    const again = await callback(await decideOAuth(started.url, 'approve'));
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: { code: 'invalid_state' } });
  });
});

describe('GET /onboard/callback state checks', () => {
  it('refuses a tampered state with 400 before touching Stripe or the database', async () => {
    const id = entity();
    const state = stateOf((await onboard({ entity_id: id, mode: 'oauth', return_url: 'https://app.example/x' })).url);
    const [body, sig] = state.split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    payload.entity = 'someone-else';
    const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    const res = await callback(`http://nself.test/onboard/callback?state=${encodeURIComponent(forged)}&code=ac_x`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_state' } });
    expect(res.headers.location).toBeUndefined();
  });

  it('refuses a state signed with another key', async () => {
    const forged = signState('not-our-secret', { nonce: 'x'.repeat(32), tenant: TENANT, entity: 'e', purpose: 'oauth', exp: Math.floor(Date.now() / 1000) + 600 });
    const res = await callback(`http://nself.test/onboard/callback?state=${encodeURIComponent(forged)}&code=ac_x`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_state' } });
  });

  it('refuses an expired state, even a denial with a return_url', async () => {
    const secret = h.t.app.ctx.config.stateSecret;
    const nonce = `expired-nonce-${n++}-xxxxxxxxxxxxxxxx`;
    await h.t.db.pool.query(
      `INSERT INTO np_stripe_oauth_states (nonce, tenant_id, entity_id, purpose, return_url, expires_at) VALUES ($1, $2, 'e', 'oauth', 'https://app.example/x', now() - interval '1 minute')`,
      [nonce, TENANT],
    );
    const expired = signState(secret, { nonce, tenant: TENANT, entity: 'e', purpose: 'oauth', return_url: 'https://app.example/x', exp: Math.floor(Date.now() / 1000) - 60 });
    const res = await callback(`http://nself.test/onboard/callback?state=${encodeURIComponent(expired)}&error=access_denied`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_state', message: expect.stringContaining('expired') } });
  });

  it('refuses a missing state with a 400 validation error', async () => {
    const res = await h.t.app.inject({ method: 'GET', url: '/onboard/callback?code=ac_x' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'validation_error' } });
  });

  it('refuses garbage as a state', async () => {
    const res = await h.t.app.inject({ method: 'GET', url: '/onboard/callback?state=garbage' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_state' } });
  });
});

describe('GET /onboard/callback conflicts', () => {
  it('an entity already connected to another live account answers 409 and keeps its account', async () => {
    const id = entity();
    const first = await onboard({ entity_id: id });
    await callback(await submitOnboarding(first.url));
    // /onboard answers an active account with a login link, so the OAuth state is minted by hand.
    const secret = h.t.app.ctx.config.stateSecret;
    const nonce = `conflict-nonce-${n++}-xxxxxxxxxxxxxxxx`;
    await h.t.db.pool.query(
      `INSERT INTO np_stripe_oauth_states (nonce, tenant_id, entity_id, purpose, expires_at) VALUES ($1, $2, $3, 'oauth', now() + interval '5 minutes')`,
      [nonce, TENANT, id],
    );
    const state = signState(secret, { nonce, tenant: TENANT, entity: id, purpose: 'oauth', exp: Math.floor(Date.now() / 1000) + 300 });
    const authorize = new URL(`${h.sim.url}/express/oauth/authorize`);
    authorize.search = new URLSearchParams({ client_id: TEST_ENV.STRIPE_CLIENT_ID, redirect_uri: 'http://nself.test/onboard/callback', state }).toString();
    const conflict = await callback(await decideOAuth(authorize.toString(), 'approve'));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ error: { code: 'entity_already_connected' } });
    expect((await getAccount(id)).json()).toMatchObject({ account_id: first.account_id, connected_via: 'account_link' });
  });
});
