import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { NSELF_RATE_LIMIT_MAX: '3' } });
});
afterAll(async () => {
  await h?.close();
});

const callbackFrom = (ip: string) => h.t.app.inject({ method: 'GET', url: '/onboard/callback?state=garbage&code=ac_x', remoteAddress: ip });

describe('GET /onboard/callback rate limit', () => {
  it('answers 429 in the error shape past NSELF_RATE_LIMIT_MAX from one IP, and not for another IP', async () => {
    for (let i = 0; i < 3; i++) expect((await callbackFrom('203.0.113.7')).statusCode).toBe(400);
    const fourth = await callbackFrom('203.0.113.7');
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.any(String) } });
    expect((await callbackFrom('198.51.100.20')).statusCode).toBe(400);
  });
});
