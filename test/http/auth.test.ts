import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearerVerifier } from '../../src/http/auth.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { TEST_ENV } from '../helpers/config.js';

const [current, rotated] = TEST_ENV.NSELF_BEARER_TOKEN.split(',') as [string, string];
const TENANT_A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const TENANT_B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const DEFAULT_TENANT = '00000000-0000-0000-0000-000000000000';
const BOUND_ADMIN = 'bound-admin-token-aaaaaaaaaaaaaaaaaaa';
const CHECK = 'check-token-cccccccccccccccccccccccc';
const BOUND_CHECK = 'bound-check-token-bbbbbbbbbbbbbbbbbbb';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({
    env: {
      NSELF_BEARER_TOKEN: `${TEST_ENV.NSELF_BEARER_TOKEN},${TENANT_A}:${BOUND_ADMIN}`,
      NSELF_CHECK_TOKEN: `${CHECK},${TENANT_B.toUpperCase()}:${BOUND_CHECK}`,
    },
  });
});
afterAll(async () => {
  await t.close();
});

const PROTECTED = [
  { method: 'POST' as const, url: '/onboard', payload: { entity_id: 42 } },
  { method: 'POST' as const, url: '/checkout', payload: {} },
  { method: 'GET' as const, url: '/entitlement/e1/cap' },
  { method: 'GET' as const, url: '/account/e1' },
  { method: 'POST' as const, url: '/account/e1/disconnect' },
  { method: 'POST' as const, url: '/portal', payload: {} },
  { method: 'GET' as const, url: '/events?status=failed' },
];

describe('bearer auth', () => {
  it.each(PROTECTED)('$method $url refuses a missing token with 401', async (route) => {
    const res = await t.app.inject({ ...route });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: 'A valid bearer token is required' } });
  });

  it.each(['Bearer wrong-token-xxxxxxxxxxxxxxx', `Basic ${current}`, `Bearer ${current}x`, 'Bearer', `bearer  ${current.slice(1)}`])(
    'refuses the header %s',
    async (header) => {
      const res = await t.app.inject({ method: 'GET', url: '/entitlement/e1/cap', headers: { authorization: header } });
      expect(res.statusCode).toBe(401);
    },
  );

  it('accepts the current and the rotated token', async () => {
    for (const token of [current, rotated]) {
      const res = await t.app.inject({ method: 'GET', url: '/entitlement/e1/cap', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
    }
  });

  it('compares with crypto.timingSafeEqual against every accepted token and yields the matched principal', () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    syncBuiltinESMExports();
    try {
      const verify = bearerVerifier(t.app.ctx.config.apiTokens);
      expect(verify(`Bearer ${current}`)).toEqual({ kind: 'admin', tenantId: null, id: 'admin#0' });
      expect(verify(`Bearer ${BOUND_CHECK}`)).toEqual({ kind: 'check', tenantId: TENANT_B, id: 'check#1' });
      expect(verify('Bearer nope')).toBeNull();
      expect(verify(`Bearer ${BOUND_ADMIN} extra`)).toBeNull();
      // Five accepted tokens, four checks: every one is compared each time, whichever matched.
      expect(spy).toHaveBeenCalledTimes(20);
    } finally {
      spy.mockRestore();
      syncBuiltinESMExports();
    }
  });

  it('matches a token only whole: not a prefix, an extension, one byte off or a padded copy', () => {
    const principal = { kind: 'admin', tenantId: null, id: 'admin#0' } as const;
    const verify = bearerVerifier([{ token: 'tök-én-123', principal }]);
    expect(verify('Bearer tök-én-123')).toBe(principal);
    expect(verify('bearer   tök-én-123  ')).toBe(principal);
    for (const presented of ['tök-én-12', 'tök-én-1234', 'tök-én-124', 'tok-én-123', 'tök-én-123\u0000', 'tö', 'x'.repeat(4096)]) {
      expect(verify(`Bearer ${presented}`), presented).toBeNull();
    }
    expect(verify(undefined)).toBeNull();
    expect(verify('Bearer ')).toBeNull();
  });

  it('leaves health, readiness, the callback and the webhooks open', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/onboard/callback' })).statusCode).not.toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/stripe/webhook/platform', payload: '{}' })).statusCode).not.toBe(401);
  });
});

describe('tenant header', () => {
  it('refuses an X-Tenant-Id that is not a UUID', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/entitlement/e1/cap',
      headers: { authorization: `Bearer ${current}`, 'x-tenant-id': 'tenant-abc' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_tenant');
  });
});

describe('check tokens', () => {
  it('may check an entitlement, with or without a tenant', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/entitlement/e1/cap', headers: bearer(CHECK) });
    expect(res.statusCode).toBe(200);
    const other = await t.app.inject({ method: 'GET', url: '/entitlement/e1/cap', headers: { ...bearer(CHECK), 'x-tenant-id': TENANT_A } });
    expect(other.statusCode).toBe(200);
  });

  const ADMIN_ONLY = [
    ...PROTECTED.filter((r) => r.url !== '/entitlement/e1/cap'),
    { method: 'POST' as const, url: '/entitlement/e1/cap/grant', payload: {} },
    { method: 'DELETE' as const, url: '/entitlement/e1/cap/grant' },
    { method: 'GET' as const, url: '/events/evt_1' },
    { method: 'POST' as const, url: '/events/evt_1/replay' },
    { method: 'GET' as const, url: '/metrics' },
  ];

  it.each(ADMIN_ONLY)('$method $url refuses a check token with 403 before anything else', async (route) => {
    for (const token of [CHECK, BOUND_CHECK]) {
      const res = await t.app.inject({ ...route, headers: bearer(token) });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: { code: 'forbidden', message: 'This token may only check entitlements' } });
    }
  });
});

describe('tenant-bound tokens', () => {
  const grant = (token: string, entity: string, tenant?: string) =>
    t.app.inject({
      method: 'POST',
      url: `/entitlement/${entity}/pro/grant`,
      headers: { ...bearer(token), ...(tenant ? { 'x-tenant-id': tenant } : {}) },
      payload: {},
    });
  const check = async (token: string, entity: string, tenant?: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/entitlement/${entity}/pro`,
      headers: { ...bearer(token), ...(tenant ? { 'x-tenant-id': tenant } : {}) },
    });
    return { status: res.statusCode, allowed: res.statusCode === 200 ? (res.json() as { allowed: boolean }).allowed : undefined };
  };

  it('acts in its own tenant when the request names none, not in the default tenant', async () => {
    expect((await grant(BOUND_ADMIN, 'bound-1')).statusCode).toBe(201);
    expect(await check(current, 'bound-1', TENANT_A)).toEqual({ status: 200, allowed: true });
    expect(await check(current, 'bound-1', DEFAULT_TENANT)).toEqual({ status: 200, allowed: false });
    expect(await check(BOUND_ADMIN, 'bound-1')).toEqual({ status: 200, allowed: true });
  });

  it('may name its own tenant (in any case)', async () => {
    expect((await grant(BOUND_ADMIN, 'bound-2', TENANT_A.toUpperCase())).statusCode).toBe(201);
    expect(await check(current, 'bound-2', TENANT_A)).toEqual({ status: 200, allowed: true });
  });

  it('is refused with 403 tenant_forbidden when it names another tenant, and writes nothing', async () => {
    const res = await grant(BOUND_ADMIN, 'bound-3', TENANT_B);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('tenant_forbidden');
    expect(await check(current, 'bound-3', TENANT_B)).toEqual({ status: 200, allowed: false });
    for (const route of [
      { method: 'GET' as const, url: '/account/e1' },
      { method: 'POST' as const, url: '/account/e1/disconnect' },
      { method: 'GET' as const, url: '/events' },
    ]) {
      const refused = await t.app.inject({ ...route, headers: { ...bearer(BOUND_ADMIN), 'x-tenant-id': DEFAULT_TENANT } });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('tenant_forbidden');
    }
  });

  it('binds check tokens too', async () => {
    expect((await grant(current, 'bound-4', TENANT_B)).statusCode).toBe(201);
    expect(await check(BOUND_CHECK, 'bound-4')).toEqual({ status: 200, allowed: true });
    expect(await check(BOUND_CHECK, 'bound-4', TENANT_B)).toEqual({ status: 200, allowed: true });
    expect((await check(BOUND_CHECK, 'bound-4', TENANT_A)).status).toBe(403);
    expect(await check(CHECK, 'bound-4')).toEqual({ status: 200, allowed: false });
  });

  it('sees only its own tenant in the event log', async () => {
    for (const [id, tenant] of [
      ['evt_tenant_a', TENANT_A],
      ['evt_tenant_b', TENANT_B],
    ]) {
      await t.db.pool.query(
        `INSERT INTO np_stripe_processed_events (event_id, tenant_id, channel, type, livemode, event_created, outcome, payload, last_error)
         VALUES ($1, $2, 'connect', 'invoice.paid', false, now(), 'failed', '{}'::jsonb, 'boom')`,
        [id, tenant],
      );
    }
    const ids = async (token: string) => {
      const res = await t.app.inject({ method: 'GET', url: '/events?status=failed', headers: bearer(token) });
      expect(res.statusCode).toBe(200);
      return (res.json() as { data: { id: string }[] }).data.map((e) => e.id).sort();
    };
    expect(await ids(current)).toEqual(['evt_tenant_a', 'evt_tenant_b']);
    expect(await ids(BOUND_ADMIN)).toEqual(['evt_tenant_a']);
    expect((await t.app.inject({ method: 'GET', url: '/events/evt_tenant_b', headers: bearer(BOUND_ADMIN) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/events/evt_tenant_a', headers: bearer(BOUND_ADMIN) })).statusCode).toBe(200);
  });

  it('may not read /metrics, which spans every tenant', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(current) })).statusCode).toBe(200);
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(BOUND_ADMIN) });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  it('is sent without its tenant prefix: the whole entry is not a token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/entitlement/e1/cap', headers: bearer(`${TENANT_A}:${BOUND_ADMIN}`) });
    expect(res.statusCode).toBe(401);
  });
});
