import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretValues } from '../../src/config.js';
import { AUTH, TEST_ENV } from '../helpers/config.js';
import { TENANT, decideOAuth, pathOf, startHarness, stateOf, submitOnboarding, type Harness } from './helpers.js';

const KEY = TEST_ENV.NSELF_DB_ENCRYPTION_KEY;
const headers = { ...AUTH, 'x-tenant-id': TENANT };
let n = 0;
const entity = (): string => `sec-operator-${Date.now().toString(36)}-${n++}`;

async function connectByOAuth(h: Harness, id: string): Promise<{ accountId: string; code: string; state: string }> {
  const started = await h.t.app.inject({ method: 'POST', url: '/onboard', headers, payload: { entity_id: id, mode: 'oauth' } });
  const url = started.json<{ url: string }>().url;
  const back = await decideOAuth(url, 'approve');
  const done = await h.t.app.inject({ method: 'GET', url: pathOf(back) });
  expect(done.statusCode).toBe(200);
  return { accountId: done.json<{ account_id: string }>().account_id, code: new URL(back).searchParams.get('code')!, state: stateOf(url) };
}

/** The tokens the simulator issued for an account: what must never show up in clear. */
function issuedTokens(h: Harness, accountId: string): string[] {
  const out: string[] = [];
  for (const [token, acct] of h.sim.state.accessTokens) if (acct === accountId) out.push(token);
  for (const [token, acct] of h.sim.state.refreshTokens) if (acct === accountId) out.push(token);
  return out;
}

describe('OAuth tokens at rest, with NSELF_DB_ENCRYPTION_KEY', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('raw rows hold no plaintext token, and pgp_sym_decrypt with the key returns the issued ones', async () => {
    const id = entity();
    const { accountId } = await connectByOAuth(h, id);
    const tokens = issuedTokens(h, accountId);
    expect(tokens).toHaveLength(2);
    const { rows: raw } = await h.t.db.pool.query(
      `SELECT encode(access_token, 'escape') || encode(refresh_token, 'escape') AS bytes, row_to_json(a)::text AS json
         FROM np_stripe_accounts a WHERE entity_id = $1`,
      [id],
    );
    for (const token of tokens) {
      expect(raw[0].bytes).not.toContain(token);
      expect(raw[0].json).not.toContain(token);
    }
    const { rows } = await h.t.db.pool.query(
      'SELECT pgp_sym_decrypt(access_token, $2) AS access, pgp_sym_decrypt(refresh_token, $2) AS refresh FROM np_stripe_accounts WHERE entity_id = $1',
      [id, KEY],
    );
    expect([rows[0].access, rows[0].refresh].sort()).toEqual([...tokens].sort());
  });

  it('a wrong key cannot decrypt them: pgcrypto raises', async () => {
    const id = entity();
    await connectByOAuth(h, id);
    await expect(
      h.t.db.pool.query('SELECT pgp_sym_decrypt(access_token, $2) FROM np_stripe_accounts WHERE entity_id = $1', [id, 'wrong-key-dddddddddddddddd']),
    ).rejects.toThrow(/wrong key|corrupt/i);
  });

  it("a full run's logs contain no token, key, OAuth code, state or secret", async () => {
    const id = entity();
    const { accountId, code, state } = await connectByOAuth(h, id);
    const tokens = issuedTokens(h, accountId);
    // Failure paths log too: a reused state, a refused code, an Account Link round trip, a disconnect.
    await h.t.app.inject({ method: 'GET', url: `/onboard/callback?state=${encodeURIComponent(state)}&code=${code}` });
    const link = await h.t.app.inject({ method: 'POST', url: '/onboard', headers, payload: { entity_id: entity() } });
    await h.t.app.inject({ method: 'GET', url: pathOf(await submitOnboarding(link.json<{ url: string }>().url)) });
    await h.t.app.inject({ method: 'POST', url: `/account/${id}/disconnect`, headers });
    await h.t.app.inject({ method: 'POST', url: '/onboard', headers: { authorization: 'Bearer wrong-token-000000000000' }, payload: { entity_id: 'x' } });

    const logs = h.t.logs.join('\n');
    expect(logs).toContain('account connected by OAuth');
    const secrets = [...secretValues(h.t.app.ctx.config), ...tokens, code, state, KEY];
    for (const secret of secrets) expect(logs.includes(secret), `log leaks ${secret.slice(0, 6)}…`).toBe(false);
  });
});

describe('OAuth tokens at rest, without a key (test mode only)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { NSELF_DB_ENCRYPTION_KEY: '' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('stores them as plain bytes, marks them unencrypted and warned at startup', async () => {
    const id = entity();
    const { accountId } = await connectByOAuth(h, id);
    const { rows } = await h.t.db.pool.query(
      `SELECT tokens_encrypted, convert_from(access_token, 'UTF8') AS access FROM np_stripe_accounts WHERE entity_id = $1`,
      [id],
    );
    expect(rows[0].tokens_encrypted).toBe(false);
    expect(issuedTokens(h, accountId)).toContain(rows[0].access);
    expect(h.t.logs.join('\n')).toContain('NSELF_DB_ENCRYPTION_KEY is not set');
  });
});
