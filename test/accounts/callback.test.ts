import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signState } from '../../src/accounts/state.js';
import { AUTH, TEST_ENV } from '../helpers/config.js';
import { TENANT, decideOAuth, pathOf, simRequests, startHarness, stateOf, submitOnboarding, type Harness } from './helpers.js';

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
async function fault(rule: Record<string, unknown>): Promise<void> {
  await fetch(`${h.sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
}
const clearFaults = () => fetch(`${h.sim.url}/_sim/faults`, { method: 'DELETE' });
/** The connected account an OAuth callback URL's code stands for, in the simulator. */
function accountOfCode(back: string): string {
  const code = new URL(back).searchParams.get('code') ?? '';
  const record = h.sim.state.oauthCodes.get(code);
  if (!record) throw new Error(`no code in ${back}`);
  return record.account;
}
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

  it('a return whose account fetch fails still spends the state', async () => {
    const id = entity();
    const started = await onboard({ entity_id: id });
    const back = await submitOnboarding(started.url);
    await fault({ match: { method: 'GET', path: `/v1/accounts/${started.account_id}` }, status: 500, should_retry: false, count: 1 });
    const failed = await callback(back);
    await clearFaults();
    expect(failed.statusCode).toBe(502);
    const again = await callback(back);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: { code: 'invalid_state' } });
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

  it('a code Stripe refuses answers 400, stores nothing and spends the state', async () => {
    const id = entity();
    const started = await onboard({ entity_id: id, mode: 'oauth' });
    const state = stateOf(started.url);
    const bad = await callback(`http://nself.test/onboard/callback?state=${encodeURIComponent(state)}&code=ac_doesnotexist`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_grant' } });
    expect(await rowCount(id)).toBe(0);
    // Even a good code cannot ride on the spent state: the operator starts again at /onboard.
    const back = await decideOAuth(started.url, 'approve');
    const again = await callback(back);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: { code: 'invalid_state' } });
    expect(h.sim.state.oauthCodes.get(new URL(back).searchParams.get('code')!)?.used).toBe(false);
    expect(await rowCount(id)).toBe(0);
  });

  it('an exchange that fails at Stripe spends the state and stores nothing', async () => {
    const id = entity();
    const back = await decideOAuth((await onboard({ entity_id: id, mode: 'oauth' })).url, 'approve');
    await fault({ match: { method: 'POST', path: '/oauth/token' }, status: 500, should_retry: false, count: 1 });
    const failed = await callback(back);
    await clearFaults();
    expect(failed.statusCode).toBe(502);
    const again = await callback(back);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: { code: 'invalid_state' } });
    expect(await rowCount(id)).toBe(0);
  });

  it('a denial spends the state', async () => {
    const id = entity();
    const started = await onboard({ entity_id: id, mode: 'oauth', return_url: 'https://app.example/done' });
    expect((await callback(await decideOAuth(started.url, 'deny'))).statusCode).toBe(302);
    const again = await callback(await decideOAuth(started.url, 'approve'));
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: { code: 'invalid_state' } });
    expect(await rowCount(id)).toBe(0);
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

/** An OAuth state minted by hand (/onboard answers an active account with a login link) and the consent page's approval. */
async function approveByHand(entityId: string, returnUrl?: string): Promise<string> {
  const secret = h.t.app.ctx.config.stateSecret;
  const nonce = `conflict-nonce-${n++}-xxxxxxxxxxxxxxxx`;
  await h.t.db.pool.query(
    `INSERT INTO np_stripe_oauth_states (nonce, tenant_id, entity_id, purpose, return_url, expires_at) VALUES ($1, $2, $3, 'oauth', $4, now() + interval '5 minutes')`,
    [nonce, TENANT, entityId, returnUrl ?? null],
  );
  const payload = { nonce, tenant: TENANT, entity: entityId, purpose: 'oauth' as const, exp: Math.floor(Date.now() / 1000) + 300 };
  const state = signState(secret, returnUrl ? { ...payload, return_url: returnUrl } : payload);
  const authorize = new URL(`${h.sim.url}/express/oauth/authorize`);
  authorize.search = new URLSearchParams({ client_id: TEST_ENV.STRIPE_CLIENT_ID, redirect_uri: 'http://nself.test/onboard/callback', state }).toString();
  return decideOAuth(authorize.toString(), 'approve');
}

/** An entity onboarded through an Account Link to the end. */
async function activeByAccountLink(id: string): Promise<string> {
  const first = await onboard({ entity_id: id });
  expect((await callback(await submitOnboarding(first.url))).statusCode).toBe(200);
  return first.account_id!;
}

describe('GET /onboard/callback conflicts', () => {
  it('an entity already connected to another live account answers 409, keeps its account and deauthorizes the new one', async () => {
    const id = entity();
    const kept = await activeByAccountLink(id);
    const back = await approveByHand(id);
    const connected = accountOfCode(back);
    const conflict = await callback(back);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ error: { code: 'entity_already_connected' } });
    expect((await getAccount(id)).json()).toMatchObject({ account_id: kept, connected_via: 'account_link' });
    // The account the refused exchange connected is no longer connected to the platform at Stripe.
    expect(h.sim.state.deauthorized.has(connected)).toBe(true);
    expect(h.sim.state.deauthorized.has(kept)).toBe(false);
    const calls = await simRequests(h.sim, '/oauth/deauthorize');
    expect(calls.filter((c) => JSON.stringify(c).includes(connected))).toHaveLength(1);
    expect(h.t.logs.join('')).not.toMatch(/sk_test_[A-Za-z0-9]{99}|rt_[A-Za-z0-9]{60}/);
  });

  it('with a return_url the conflict redirects there with ?error=, like a denial', async () => {
    const id = entity();
    await activeByAccountLink(id);
    const back = await approveByHand(id, 'https://app.example/done?x=1');
    const res = await callback(back);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('https://app.example/done?x=1&error=entity_already_connected');
    expect(h.sim.state.deauthorized.has(accountOfCode(back))).toBe(true);
  });

  it('a Stripe account another entity holds answers 409 account_already_linked and stays connected for it', async () => {
    const holder = entity();
    const heldBack = await decideOAuth((await onboard({ entity_id: holder, mode: 'oauth' })).url, 'approve');
    expect((await callback(heldBack)).statusCode).toBe(200);
    const held = accountOfCode(heldBack);
    // The same Stripe account comes back through another entity's OAuth (Stripe answers its stripe_user_id).
    const id = entity();
    const back = await decideOAuth((await onboard({ entity_id: id, mode: 'oauth' })).url, 'approve');
    const code = new URL(back).searchParams.get('code')!;
    h.sim.state.oauthCodes.set(code, { ...h.sim.state.oauthCodes.get(code)!, account: held });
    const res = await callback(back);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'account_already_linked' } });
    expect(h.sim.state.deauthorized.has(held)).toBe(false);
    expect((await getAccount(holder)).json()).toMatchObject({ account_id: held, status: 'active' });
    expect(await rowCount(id)).toBe(0);
  });

  it('a failing deauthorize still answers the conflict', async () => {
    const id = entity();
    await activeByAccountLink(id);
    const back = await approveByHand(id);
    await fault({ match: { method: 'POST', path: '/oauth/deauthorize' }, status: 500, should_retry: false, count: 1 });
    const res = await callback(back);
    await clearFaults();
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'entity_already_connected' } });
    expect(h.t.logs.some((l) => l.includes('could not deauthorize a refused OAuth link'))).toBe(true);
  });
});
