import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buySubscription,
  control,
  grantFromSubscription,
  oneTimePrice,
  operator,
  payOnHostedPage,
  postCheckout,
  recurringPrice,
  simRequests,
  startWorld,
  type World,
} from '../entitlements/fixtures.js';
import { AUTH } from '../helpers/config.js';
import { deliver, makeEvent } from '../webhooks/helpers.js';

/**
 * Stripe keeps one Customer per buyer only if the platform asks for it: every Checkout
 * Session without `customer` makes a new one. The service sells to the subject's known
 * customer on that account, so all its subscriptions live under one customer and one
 * portal session shows them.
 */
describe('POST /checkout sells to the subject’s existing Stripe customer', () => {
  let w: World;
  let account: string;
  let monthly: string;
  let once: string;

  beforeAll(async () => {
    w = await startWorld();
    account = await operator(w, 'shop');
    monthly = (await recurringPrice(w, account)).id;
    once = (await oneTimePrice(w, account)).id;
  });
  afterAll(async () => w.close());
  beforeEach(async () => {
    await control(w.sim, 'DELETE', '/_sim/requests');
  });

  const lastSessionRequest = async () => (await simRequests(w.sim, 'POST', '/v1/checkout/sessions')).at(-1)!;

  /** Pays the session on the hosted page and applies its checkout.session.completed through the webhook route. */
  async function payAndDeliver(sessionId: string, url: string, stripeAccount: string): Promise<Stripe.Checkout.Session> {
    await payOnHostedPage(url);
    const paid = await w.stripe.checkout.sessions.retrieve(sessionId, {}, { stripeAccount });
    const event = makeEvent({ type: 'checkout.session.completed', account: stripeAccount, object: paid as unknown as Record<string, unknown> });
    expect((await deliver(w.t.app, event)).status).toBe(200);
    return paid;
  }

  it('a first sale names no customer; the next one on that account passes the subject’s customer and drops the email', async () => {
    const first = await buySubscription(w, { operatorEntity: 'shop', account, price: monthly, subject: 'sam', capabilities: ['pro'] });
    expect((await simRequests(w.sim, 'POST', '/v1/checkout/sessions'))[0]!.body).not.toHaveProperty('customer');
    await grantFromSubscription(w, first, account);

    const res = await postCheckout(w, { entity_id: 'shop', subject_id: 'sam', price_id: monthly, capabilities: ['team'], customer_email: 'sam@example.com' });
    expect(res.statusCode).toBe(200);
    const created = await lastSessionRequest();
    expect(created.body.customer).toBe(first.customer);
    expect(created.body).not.toHaveProperty('customer_email');
    expect(created.body).not.toHaveProperty('customer_creation');

    const session = res.json<{ id: string; url: string }>();
    await payOnHostedPage(session.url);
    const paid = await w.stripe.checkout.sessions.retrieve(session.id, {}, { stripeAccount: account });
    const second = await w.stripe.subscriptions.retrieve(String(paid.subscription), {}, { stripeAccount: account });
    expect(second.customer).toBe(first.customer);
    const subs = await w.stripe.subscriptions.list({ customer: String(first.customer) }, { stripeAccount: account });
    expect(subs.data.map((s) => s.id).sort()).toEqual([first.id, second.id].sort());

    // One portal session shows both.
    await grantFromSubscription(w, second, account);
    const portal = await w.t.app.inject({ method: 'POST', url: '/portal', headers: AUTH, payload: { entity_id: 'sam', return_url: 'https://app.example.com/b' } });
    const html = await (await fetch(portal.json<{ url: string }>().url)).text();
    expect(html).toContain(first.id);
    expect(html).toContain(second.id);
  });

  it('another selling account does not get the subject’s customer of this one', async () => {
    const elsewhere = await operator(w, 'shop-2');
    const price = (await recurringPrice(w, elsewhere)).id;
    await control(w.sim, 'DELETE', '/_sim/requests');
    const res = await postCheckout(w, { entity_id: 'shop-2', subject_id: 'sam', price_id: price, capabilities: ['pro'], customer_email: 'sam@example.com' });
    expect(res.statusCode).toBe(200);
    const created = await lastSessionRequest();
    expect(created.headers['stripe-account']).toBe(elsewhere);
    expect(created.body).not.toHaveProperty('customer');
    expect(created.body.customer_email).toBe('sam@example.com');
  });

  it('payment mode asks Stripe to always create a customer; the grant remembers it and the next sale reuses it', async () => {
    const res = await postCheckout(w, { entity_id: 'shop', subject_id: 'pia', price_id: once, capabilities: ['lifetime'], customer_email: 'pia@example.com' });
    expect(res.statusCode).toBe(200);
    const created = await lastSessionRequest();
    expect(created.body).toMatchObject({ mode: 'payment', customer_creation: 'always', customer_email: 'pia@example.com' });
    const session = res.json<{ id: string; url: string }>();
    expect((await w.stripe.checkout.sessions.retrieve(session.id, {}, { stripeAccount: account })).customer_creation).toBe('always');

    const paid = await payAndDeliver(session.id, session.url, account);
    expect(paid.customer).toMatch(/^cus_/);
    const intent = await w.stripe.paymentIntents.retrieve(String(paid.payment_intent), {}, { stripeAccount: account });
    expect(intent.customer).toBe(paid.customer);
    const { rows } = await w.t.db.pool.query('SELECT stripe_customer_id FROM np_stripe_entitlements WHERE entity_id = $1', ['pia']);
    expect(rows).toEqual([{ stripe_customer_id: paid.customer }]);

    const again = await postCheckout(w, { entity_id: 'shop', subject_id: 'pia', price_id: once, capabilities: ['extra'], customer_email: 'pia@example.com' });
    const next = await lastSessionRequest();
    expect(next.body).toMatchObject({ mode: 'payment', customer: paid.customer });
    expect(next.body).not.toHaveProperty('customer_creation');
    expect(next.body).not.toHaveProperty('customer_email');
    const repaid = await payAndDeliver(again.json<{ id: string }>().id, again.json<{ url: string }>().url, account);
    expect(repaid.customer).toBe(paid.customer);
    expect((await w.stripe.paymentIntents.retrieve(String(repaid.payment_intent), {}, { stripeAccount: account })).customer).toBe(paid.customer);
  });
});
