import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { TEST_ENV } from '../helpers/config.js';
import { control, getEntitlement, oneTimePrice, operator, payOnHostedPage, postCheckout, recurringPrice, type World } from './fixtures.js';

// The whole loop through the webhook pipeline: sell on the hosted page, Stripe tells the
// service, billing.can flips; cancel in Stripe, it flips back.
describe('entitlements driven by webhooks', () => {
  let sim: Simulator;
  let t: TestApp;
  let w: World;
  let account: string;

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      secretKeys: [TEST_ENV.STRIPE_PLATFORM_SECRET_KEY],
      clientId: TEST_ENV.STRIPE_CLIENT_ID,
      platformWebhookSecret: TEST_ENV.STRIPE_PLATFORM_WEBHOOK_SECRET,
      connectWebhookSecret: TEST_ENV.STRIPE_CONNECT_WEBHOOK_SECRET,
      retrySchedulesMs: [50, 100],
    });
    t = await buildTestApp({ env: { STRIPE_API_BASE: sim.url } });
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    sim.setWebhookTargets({ platformWebhookUrl: `${base}/stripe/webhook/platform`, connectWebhookUrl: `${base}/stripe/webhook/connect` });
    w = { sim, t, stripe: t.app.ctx.stripe, close: async () => undefined };
    account = await operator(w, 'shop');
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('allows after paying a subscription and denies after it is canceled', async () => {
    const price = await recurringPrice(w, account);
    const res = await postCheckout(w, { entity_id: 'shop', price_id: price.id, capabilities: ['pro'], subject_id: 'buyer-1', quantity: 2 });
    const session = res.json<{ id: string; url: string }>();
    expect((await getEntitlement(w, 'buyer-1', 'pro')).json().status).toBe('none');

    await payOnHostedPage(session.url);
    expect((await getEntitlement(w, 'buyer-1', 'pro')).json()).toMatchObject({ allowed: true, status: 'active', quantity: 2 });

    const paid = await w.stripe.checkout.sessions.retrieve(session.id, {}, { stripeAccount: account });
    await control(sim, 'POST', `/_sim/subscriptions/${paid.subscription as string}/status`, { status: 'canceled' });
    expect((await getEntitlement(w, 'buyer-1', 'pro')).json()).toMatchObject({ allowed: false, status: 'canceled' });
  });

  it('allows after a one-time payment', async () => {
    const price = await oneTimePrice(w, account);
    const res = await postCheckout(w, { entity_id: 'shop', price_id: price.id, capabilities: ['lifetime'], subject_id: 'buyer-2' });
    await payOnHostedPage(res.json<{ url: string }>().url);
    expect((await getEntitlement(w, 'buyer-2', 'lifetime')).json()).toMatchObject({ allowed: true });
  });
});
