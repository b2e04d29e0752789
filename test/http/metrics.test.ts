import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { AUTH, TEST_ENV } from '../helpers/config.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

function signed(event: object): { payload: string; headers: Record<string, string> } {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_ENV.STRIPE_PLATFORM_WEBHOOK_SECRET });
  return { payload, headers: { 'stripe-signature': signature, 'content-type': 'application/json' } };
}

describe('GET /metrics', () => {
  it('needs the bearer token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });

  it('counts entitlement checks by source and result, and webhook events by channel, type and outcome', async () => {
    await t.app.inject({ method: 'GET', url: '/entitlement/m-1/video', headers: AUTH });
    const event = { id: 'evt_metrics_1', object: 'event', type: 'some.unknown_type', created: Math.floor(Date.now() / 1000), livemode: false, api_version: '2024-12-18.acacia', data: { object: { id: 'x', object: 'thing' } } };
    const delivery = signed(event);
    expect((await t.app.inject({ method: 'POST', url: '/stripe/webhook/platform', ...delivery })).statusCode).toBe(200);

    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: AUTH });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/nself_stripe_entitlement_checks_total\{source="db",result="false"\} 1/);
    expect(res.body).toMatch(/nself_stripe_webhook_events_total\{channel="platform",type="some.unknown_type",outcome="ignored"\} 1/);
    expect(res.body).toMatch(/nself_stripe_webhook_processing_seconds_count\{channel="platform"\} 1/);
    expect(res.body).toMatch(/nself_stripe_db_pool_connections\{state="total"\} \d+/);
    expect(res.body).toContain('nself_stripe_process_resident_memory_bytes');
  });

  it('never exposes a secret', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: AUTH });
    for (const secret of Object.values(TEST_ENV)) {
      if (secret.length > 12) expect(res.body).not.toContain(secret);
    }
  });
});
