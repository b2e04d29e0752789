import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH } from '../helpers/config.js';
import { createTestDatabase } from '../helpers/db.js';
import { TENANT, decideOAuth, pathOf, simRequests, startHarness, type Harness } from './helpers.js';

// Longer than the pool's 5 s connection timeout: a callback that held a connection (or a lock
// other callbacks hold connections waiting on) across this call would starve everyone else.
const TOKEN_HANG_MS = 6_000;

let h: Harness;

beforeAll(async () => {
  const db = await createTestDatabase({ poolSize: 10 });
  h = await startHarness({ db, env: { NSELF_RATE_LIMIT_MAX: '1000' } });
});
afterAll(async () => {
  await h?.close();
  await h?.t.db.drop();
});

describe('GET /onboard/callback under a storm of one state', () => {
  it('one callback wins, the others are refused at once, and the pool stays free for entitlement checks', async () => {
    const id = `storm-operator-${Date.now().toString(36)}`;
    const started = await h.t.app.inject({ method: 'POST', url: '/onboard', headers: { ...AUTH, 'x-tenant-id': TENANT }, payload: { entity_id: id, mode: 'oauth' } });
    const back = pathOf(await decideOAuth(started.json<{ url: string }>().url, 'approve'));
    await fetch(`${h.sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: { method: 'POST', path: '/oauth/token' }, hang_ms: TOKEN_HANG_MS, count: 1 }),
    });

    const t0 = Date.now();
    const timed = async <T>(p: Promise<T>): Promise<{ res: T; ms: number }> => {
      const res = await p;
      return { res, ms: Date.now() - t0 };
    };
    const storm = Array.from({ length: 60 }, () => timed(h.t.app.inject({ method: 'GET', url: back })));
    const check = await timed(h.t.app.inject({ method: 'GET', url: '/entitlement/x/y', headers: { ...AUTH, 'x-tenant-id': TENANT } }));
    const results = await Promise.all(storm);

    expect(check.res.statusCode).toBe(200);
    expect(check.res.json()).toMatchObject({ allowed: false, status: 'none' });
    expect(check.ms).toBeLessThan(TOKEN_HANG_MS / 2);

    const won = results.filter((r) => r.res.statusCode === 200);
    const refused = results.filter((r) => r.res.statusCode === 400);
    expect(won).toHaveLength(1);
    expect(won[0]!.res.json()).toMatchObject({ status: 'active', entity_id: id });
    expect(refused).toHaveLength(59);
    for (const r of refused) {
      expect(r.res.json()).toMatchObject({ error: { code: 'invalid_state' } });
      // Refused without waiting for the winner's exchange.
      expect(r.ms).toBeLessThan(TOKEN_HANG_MS / 2);
    }
    expect(await simRequests(h.sim, '/oauth/token')).toHaveLength(1);
  }, 30_000);
});
