import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { control, oneTimePrice, operator, postCheckout, recurringPrice, type CheckoutRequest, simRequests, startWorld, TENANT, type World } from '../entitlements/fixtures.js';
import { AUTH } from '../helpers/config.js';

describe('POST /checkout', () => {
  let w: World;
  let account: string;
  let monthly: string;
  let once: string;

  beforeAll(async () => {
    w = await startWorld();
    account = await operator(w, 'shop-1');
    monthly = (await recurringPrice(w, account)).id;
    once = (await oneTimePrice(w, account, 5000)).id;
  });
  afterAll(async () => w.close());
  beforeEach(async () => {
    await control(w.sim, 'DELETE', '/_sim/requests');
    await control(w.sim, 'DELETE', '/_sim/faults');
  });

  it('creates a subscription session under the connected account with our metadata', async () => {
    const res = await postCheckout(w, { entity_id: 'shop-1', price_id: monthly, capabilities: ['pro', 'pro', 'api'], subject_id: 'user-9', quantity: 3 });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ id: string; url: string; expires_at: string }>();
    expect(body.id).toMatch(/^cs_/);
    expect(body.url).toContain(`/c/pay/${body.id}`);
    expect(new Date(body.expires_at).getTime()).toBeGreaterThan(Date.now());

    const session = await w.stripe.checkout.sessions.retrieve(body.id, {}, { stripeAccount: account });
    expect(session.mode).toBe('subscription');
    expect(session.metadata).toEqual({
      nself_tenant_id: TENANT,
      nself_entity_id: 'user-9',
      nself_capabilities: 'pro,api',
      nself_operator_entity_id: 'shop-1',
    });
    const [created] = await simRequests(w.sim, 'POST', '/v1/checkout/sessions');
    expect(created!.headers['stripe-account']).toBe(account);
    expect(created!.body).toMatchObject({
      line_items: { '0': { price: monthly, quantity: '3' } },
      subscription_data: { metadata: { nself_entity_id: 'user-9', nself_capabilities: 'pro,api' } },
    });
  });

  it('puts the metadata on the subscription the paid session creates', async () => {
    const res = await postCheckout(w, { entity_id: 'shop-1', price_id: monthly, capabilities: ['pro'] });
    const { id, url } = res.json<{ id: string; url: string }>();
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a%40b.co', redirect: 'manual' });
    const session = await w.stripe.checkout.sessions.retrieve(id, {}, { stripeAccount: account });
    const sub = await w.stripe.subscriptions.retrieve(session.subscription as string, {}, { stripeAccount: account });
    expect(sub.metadata).toMatchObject({ nself_tenant_id: TENANT, nself_entity_id: 'shop-1', nself_capabilities: 'pro' });
  });

  it('defaults to payment mode for a one-time price and computes the fee amount from it', async () => {
    const res = await postCheckout(w, { entity_id: 'shop-1', price_id: once, capabilities: ['lifetime'], quantity: 2, application_fee_percent: 10 });
    expect(res.statusCode).toBe(200);
    const session = await w.stripe.checkout.sessions.retrieve(res.json<{ id: string }>().id, {}, { stripeAccount: account });
    expect(session.mode).toBe('payment');
    const [created] = await simRequests(w.sim, 'POST', '/v1/checkout/sessions');
    expect(created!.body).toMatchObject({
      mode: 'payment',
      payment_intent_data: { application_fee_amount: '1000', metadata: { nself_capabilities: 'lifetime' } },
    });
    expect(created!.body).not.toHaveProperty('subscription_data');
  });

  it('passes the application fee percent to a subscription', async () => {
    const res = await postCheckout(w, { entity_id: 'shop-1', price_id: monthly, capabilities: ['pro'], application_fee_percent: 12.5 });
    expect(res.statusCode).toBe(200);
    const [created] = await simRequests(w.sim, 'POST', '/v1/checkout/sessions');
    expect(created!.body).toMatchObject({ subscription_data: { application_fee_percent: '12.5' } });
  });

  it('sends Stripe the two decimals meant by a fee percent that JSON carries inexactly', async () => {
    const res = await postCheckout(w, { entity_id: 'shop-1', price_id: monthly, capabilities: ['pro'], application_fee_percent: 0.1 + 0.2 });
    expect(res.statusCode).toBe(200);
    const [created] = await simRequests(w.sim, 'POST', '/v1/checkout/sessions');
    expect(created!.body).toMatchObject({ subscription_data: { application_fee_percent: '0.3' } });
  });

  it('refuses a mode that contradicts the price', async () => {
    const res = await postCheckout(w, { entity_id: 'shop-1', price_id: once, capabilities: ['x'], mode: 'subscription' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('mode_mismatch');
  });

  it('passes the Idempotency-Key header through, so a retry returns the same session', async () => {
    const body = { entity_id: 'shop-1', price_id: monthly, capabilities: ['pro'] };
    const first = await postCheckout(w, body, { 'idempotency-key': 'order-42' });
    const again = await postCheckout(w, body, { 'idempotency-key': 'order-42' });
    expect(again.json().id).toBe(first.json().id);
    const created = await simRequests(w.sim, 'POST', '/v1/checkout/sessions');
    expect(created.map((r) => r.headers['idempotency-key'])).toEqual(['order-42', 'order-42']);
  });

  it('answers 404 for an operator without an account', async () => {
    const res = await postCheckout(w, { entity_id: 'nobody', price_id: monthly, capabilities: ['pro'] });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect(await simRequests(w.sim, 'POST', '/v1/checkout/sessions')).toHaveLength(0);
  });

  it('answers 404 for an operator of another tenant', async () => {
    const res = await postCheckout(w, { entity_id: 'shop-1', price_id: monthly, capabilities: ['pro'] }, { 'x-tenant-id': '11111111-1111-1111-1111-111111111111' });
    expect(res.statusCode).toBe(404);
  });

  it('answers 409 account_not_ready for an account that cannot charge or was disconnected', async () => {
    await operator(w, 'shop-new', { status: 'onboarding', charges_enabled: false });
    await operator(w, 'shop-gone', { status: 'deauthorized', charges_enabled: true });
    for (const entity of ['shop-new', 'shop-gone']) {
      const res = await postCheckout(w, { entity_id: entity, price_id: monthly, capabilities: ['pro'] });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('account_not_ready');
    }
    expect(await simRequests(w.sim, 'POST', '/v1/checkout/sessions')).toHaveLength(0);
  });

  it.each([
    ['no capabilities', { capabilities: [] }],
    ['a malformed capability', { capabilities: ['pro plan'] }],
    ['capabilities not an array', { capabilities: 'pro' }],
    ['a relative success_url', { success_url: '/ok' }],
    ['a javascript: cancel_url', { cancel_url: 'javascript:alert(1)' }],
    ['quantity 0', { quantity: 0 }],
    ['quantity above 10000', { quantity: 10_001 }],
    ['a fractional quantity', { quantity: 1.5 }],
    ['an unknown mode', { mode: 'setup' }],
    ['an unknown field', { coupon: 'FREE' }],
    ['a malformed price id', { price_id: '../v1/prices' }],
    ['a fee over 100%', { application_fee_percent: 150 }],
    ['a fee with three decimals', { application_fee_percent: 12.345 }],
    ['a bad email', { customer_email: 'not-an-email' }],
  ] as Array<[string, Record<string, unknown>]>)('answers 400 for %s, without calling Stripe', async (_name, override) => {
    const res = await postCheckout(w, { entity_id: 'shop-1', price_id: monthly, capabilities: ['pro'], ...override } as CheckoutRequest);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_error');
    expect(await simRequests(w.sim, 'POST', '/v1/checkout/sessions')).toHaveLength(0);
  });

  it('answers 400 with Stripe request id for a price that does not exist', async () => {
    const res = await postCheckout(w, { entity_id: 'shop-1', price_id: 'price_missing000', capabilities: ['pro'] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('stripe_invalid_request');
    expect(res.json().error.details.stripe_request_id).toMatch(/^req_/);
  });

  it('answers 502 with the Stripe request id when Stripe fails', async () => {
    // Two failures: the SDK retries a 500 once.
    await control(w.sim, 'POST', '/_sim/faults', { match: { method: 'POST', path: '/v1/checkout/sessions' }, status: 500, count: 2 });
    const res = await postCheckout(w, { entity_id: 'shop-1', price_id: monthly, capabilities: ['pro'] }, { 'idempotency-key': 'fail-1' });
    expect(res.statusCode).toBe(502);
    const failed = await simRequests(w.sim, 'POST', '/v1/checkout/sessions');
    expect(res.json().error.details.stripe_request_id).toBe(failed.at(-1)!.id);
  });

  it('requires the bearer token', async () => {
    const res = await w.t.app.inject({ method: 'POST', url: '/checkout', payload: { entity_id: 'shop-1' } });
    expect(res.statusCode).toBe(401);
  });
});

describe('POST /checkout with an allowlist', () => {
  let w: World;
  let account: string;

  beforeAll(async () => {
    w = await startWorld({ STRIPE_ALLOWED_PRICE_IDS: 'price_placeholder' });
    account = await operator(w, 'shop-a');
  });
  afterAll(async () => w.close());

  it('refuses a price outside STRIPE_ALLOWED_PRICE_IDS before calling Stripe', async () => {
    const price = await recurringPrice(w, account);
    await control(w.sim, 'DELETE', '/_sim/requests');
    const res = await postCheckout(w, { entity_id: 'shop-a', price_id: price.id, capabilities: ['pro'] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('price_not_allowed');
    expect(await simRequests(w.sim, 'GET', '/v1/prices')).toHaveLength(0);
  });
});

describe('POST /checkout rate limit', () => {
  let w: World;

  beforeAll(async () => {
    w = await startWorld({ NSELF_RATE_LIMIT_MAX: '2' });
  });
  afterAll(async () => w.close());

  it('answers 429 in the error shape past the limit', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await w.t.app.inject({ method: 'POST', url: '/checkout', headers: AUTH, payload: {} });
      codes.push(res.statusCode);
      if (res.statusCode === 429) expect(res.json().error.code).toBe('rate_limited');
    }
    expect(codes).toEqual([400, 400, 429]);
  });
});
