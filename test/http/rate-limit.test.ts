import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { BEARER, TEST_ENV } from '../helpers/config.js';

const ROTATED = TEST_ENV.NSELF_BEARER_TOKEN.split(',')[1]!;

/** POST /checkout with an empty body: 400 while under the limit, 429 past it (one request per window here). */
async function post(t: TestApp, headers: Record<string, string>, remoteAddress = '127.0.0.1'): Promise<number> {
  const res = await t.app.inject({ method: 'POST', url: '/checkout', headers, payload: {}, remoteAddress });
  return res.statusCode;
}

describe('rate-limit buckets with no trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { NSELF_RATE_LIMIT_MAX: '1' } });
  });
  afterAll(async () => t.close());

  it('ignores X-Forwarded-For: a client cannot pick a fresh bucket', async () => {
    const auth = `Bearer ${BEARER}`;
    expect(await post(t, { authorization: auth, 'x-forwarded-for': '203.0.113.1' }, '10.0.0.1')).toBe(400);
    expect(await post(t, { authorization: auth, 'x-forwarded-for': '203.0.113.2' }, '10.0.0.1')).toBe(429);
  });

  it('keys by the token, not the header text: extra spaces share the bucket', async () => {
    expect(await post(t, { authorization: `Bearer ${BEARER}` }, '10.0.0.2')).toBe(400);
    expect(await post(t, { authorization: `Bearer  ${BEARER} ` }, '10.0.0.2')).toBe(429);
    expect(await post(t, { authorization: `bearer\t${BEARER}` }, '10.0.0.2')).toBe(429);
  });

  it('gives each token and each client address its own bucket', async () => {
    expect(await post(t, { authorization: `Bearer ${BEARER}` }, '10.0.0.3')).toBe(400);
    expect(await post(t, { authorization: `Bearer ${ROTATED}` }, '10.0.0.3')).toBe(400);
    expect(await post(t, { authorization: `Bearer ${BEARER}` }, '10.0.0.4')).toBe(400);
  });
});

describe('rate-limit buckets behind a trusted proxy (NSELF_TRUST_PROXY)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { NSELF_RATE_LIMIT_MAX: '1', NSELF_TRUST_PROXY: '127.0.0.1, 10.1.0.0/16' } });
  });
  afterAll(async () => t.close());

  it('takes the client address from X-Forwarded-For sent by the proxy', async () => {
    const auth = `Bearer ${BEARER}`;
    expect(await post(t, { authorization: auth, 'x-forwarded-for': '203.0.113.1' })).toBe(400);
    expect(await post(t, { authorization: auth, 'x-forwarded-for': '203.0.113.2' }, '10.1.2.3')).toBe(400);
    expect(await post(t, { authorization: auth, 'x-forwarded-for': '203.0.113.1' }, '10.1.9.9')).toBe(429);
  });

  it('still ignores X-Forwarded-For from an address that is not a trusted proxy', async () => {
    const auth = `Bearer ${BEARER}`;
    expect(await post(t, { authorization: auth, 'x-forwarded-for': '198.51.100.1' }, '192.0.2.7')).toBe(400);
    expect(await post(t, { authorization: auth, 'x-forwarded-for': '198.51.100.2' }, '192.0.2.7')).toBe(429);
  });
});
