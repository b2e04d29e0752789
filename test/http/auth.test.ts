import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearerVerifier } from '../../src/http/auth.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { TEST_ENV } from '../helpers/config.js';

const [current, rotated] = TEST_ENV.NSELF_BEARER_TOKEN.split(',') as [string, string];
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
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

  it('compares with crypto.timingSafeEqual against every accepted token', () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    syncBuiltinESMExports();
    try {
      const verify = bearerVerifier([current, rotated]);
      expect(verify(`Bearer ${current}`)).toBe(true);
      expect(verify('Bearer nope')).toBe(false);
      expect(spy).toHaveBeenCalledTimes(4);
    } finally {
      spy.mockRestore();
      syncBuiltinESMExports();
    }
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
