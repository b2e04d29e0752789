import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AUTH } from '../helpers/config.js';
import {
  ageGrants,
  buySubscription,
  control,
  getEntitlement,
  grantFromSubscription,
  operator,
  recurringPrice,
  simRequests,
  startWorld,
  type World,
} from './fixtures.js';

describe('GET /entitlement/:entity_id/:capability', () => {
  let w: World;
  let account: string;
  let price: string;

  beforeAll(async () => {
    w = await startWorld();
    account = await operator(w, 'shop');
    price = (await recurringPrice(w, account)).id;
  });
  afterAll(async () => w.close());
  beforeEach(async () => {
    await control(w.sim, 'DELETE', '/_sim/requests');
    await control(w.sim, 'DELETE', '/_sim/faults');
  });

  const buy = (subject: string, capabilities: string[], quantity = 1) =>
    buySubscription(w, { operatorEntity: 'shop', account, price, subject, capabilities, quantity });

  it('answers exactly {allowed:false, status:"none", cached_at:null} when there is no grant', async () => {
    const res = await getEntitlement(w, 'stranger', 'pro');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"allowed":false,"status":"none","cached_at":null}');
  });

  it('allows an entity holding an active subscription grant', async () => {
    const sub = await buy('alice', ['pro', 'api'], 3);
    await grantFromSubscription(w, sub, account);
    const res = await getEntitlement(w, 'alice', 'api');
    const body = res.json();
    expect(body).toMatchObject({ allowed: true, status: 'active', quantity: 3 });
    // Acacia (our version) keeps the period on the subscription; the SDK's types no longer name it.
    const { current_period_end: end } = z.object({ current_period_end: z.number() }).parse(sub);
    expect(body.period_end).toBe(new Date(end * 1000).toISOString());
    expect(Date.now() - new Date(body.cached_at).getTime()).toBeLessThan(10_000);
    expect(body).not.toHaveProperty('stale');
  });

  it('sums the quantity over every allowing grant and reports the latest period end', async () => {
    const first = await buy('bob', ['seats'], 3);
    const second = await buy('bob', ['seats'], 2);
    await grantFromSubscription(w, first, account);
    await grantFromSubscription(w, second, account);
    const res = await getEntitlement(w, 'bob', 'seats');
    expect(res.json()).toMatchObject({ allowed: true, status: 'active', quantity: 5 });
  });

  it('does not count a grant that stopped allowing', async () => {
    const first = await buy('carol', ['seats'], 4);
    const second = await buy('carol', ['seats'], 1);
    await grantFromSubscription(w, first, account);
    await grantFromSubscription(w, second, account);
    await w.t.db.pool.query(`UPDATE np_stripe_entitlements SET status = 'past_due', allowed = false WHERE source_id = $1`, [first.id]);
    expect((await getEntitlement(w, 'carol', 'seats')).json()).toMatchObject({ allowed: true, quantity: 1 });
  });

  it('names the status of a grant that does not allow', async () => {
    const sub = await buy('dave', ['pro']);
    await grantFromSubscription(w, sub, account);
    await w.t.db.pool.query(`UPDATE np_stripe_entitlements SET status = 'past_due', allowed = false WHERE source_id = $1`, [sub.id]);
    const body = (await getEntitlement(w, 'dave', 'pro')).json();
    expect(body).toMatchObject({ allowed: false, status: 'past_due', quantity: 0 });
    expect(body).not.toHaveProperty('period_end');
  });

  it('keeps tenants apart', async () => {
    const sub = await buy('erin', ['pro']);
    await grantFromSubscription(w, sub, account);
    const other = await getEntitlement(w, 'erin', 'pro', { 'x-tenant-id': '22222222-2222-2222-2222-222222222222' });
    expect(other.json()).toEqual({ allowed: false, status: 'none', cached_at: null });
  });

  it('re-confirms a grant older than the TTL from Stripe before answering', async () => {
    const sub = await buy('frank', ['pro']);
    await grantFromSubscription(w, sub, account);
    await ageGrants(w, 'frank', 'pro');
    // Stripe moves on without telling us (no webhook target is configured).
    await control(w.sim, 'POST', `/_sim/subscriptions/${sub.id}/status`, { status: 'past_due' });
    await control(w.sim, 'DELETE', '/_sim/requests');

    const body = (await getEntitlement(w, 'frank', 'pro')).json();
    expect(body).toMatchObject({ allowed: false, status: 'past_due' });
    expect(Date.now() - new Date(body.cached_at).getTime()).toBeLessThan(10_000);
    const fetched = await simRequests(w.sim, 'GET', `/v1/subscriptions/${sub.id}`);
    expect(fetched).toHaveLength(1);
    expect(fetched[0]!.headers['stripe-account']).toBe(account);

    // Written back: the next check answers from the table without asking Stripe.
    await getEntitlement(w, 'frank', 'pro');
    expect(await simRequests(w.sim, 'GET', `/v1/subscriptions/${sub.id}`)).toHaveLength(1);
    const { rows } = await w.t.db.pool.query(`SELECT status, allowed FROM np_stripe_entitlements WHERE source_id = $1`, [sub.id]);
    expect(rows).toEqual([{ status: 'past_due', allowed: false }]);
  });

  it('picks up a changed quantity on re-confirmation', async () => {
    const sub = await buy('gina', ['seats'], 2);
    await grantFromSubscription(w, sub, account);
    await ageGrants(w, 'gina', 'seats');
    const stored = w.sim.state.find(sub.id)!.obj as unknown as { items: { data: Array<{ quantity: number }> } };
    stored.items.data[0]!.quantity = 7;
    expect((await getEntitlement(w, 'gina', 'seats')).json()).toMatchObject({ allowed: true, quantity: 7 });
  });

  it('shares one Stripe fetch among 10 concurrent stale checks of one key', async () => {
    const sub = await buy('hank', ['pro']);
    await grantFromSubscription(w, sub, account);
    await ageGrants(w, 'hank', 'pro');
    await control(w.sim, 'DELETE', '/_sim/requests');
    const answers = await Promise.all(Array.from({ length: 10 }, () => getEntitlement(w, 'hank', 'pro')));
    expect(answers.map((a) => a.json().allowed)).toEqual(Array(10).fill(true));
    expect(await simRequests(w.sim, 'GET', `/v1/subscriptions/${sub.id}`)).toHaveLength(1);
  });

  it('answers from the cache with stale:true when Stripe fails, never a 5xx', async () => {
    const sub = await buy('ivy', ['pro']);
    await grantFromSubscription(w, sub, account);
    await ageGrants(w, 'ivy', 'pro');
    await control(w.sim, 'POST', '/_sim/faults', { match: { path: `/v1/subscriptions/${sub.id}` }, status: 500, count: 5 });
    const res = await getEntitlement(w, 'ivy', 'pro');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ allowed: true, status: 'active', stale: true });
    expect(w.t.logs.join('')).toContain('could not re-confirm a subscription grant');
  });

  it('answers from the cache with stale:true when Stripe returns a subscription it cannot read, naming the field', async () => {
    const sub = await buy('ivo', ['pro']);
    await grantFromSubscription(w, sub, account);
    await ageGrants(w, 'ivo', 'pro');
    (w.sim.state.find(sub.id)!.obj as unknown as { status: unknown }).status = 7;
    const res = await getEntitlement(w, 'ivo', 'pro');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ allowed: true, status: 'active', stale: true });
    expect(w.t.logs.join('')).toContain(`subscription ${sub.id} as fetched from Stripe: status: expected string, received number`);
  });

  it('answers stale from the cache when Stripe hangs, and writes back once Stripe answers', async () => {
    const sub = await buy('ike', ['pro']);
    await grantFromSubscription(w, sub, account);
    await ageGrants(w, 'ike', 'pro');
    await control(w.sim, 'POST', `/_sim/subscriptions/${sub.id}/status`, { status: 'past_due' });
    await control(w.sim, 'POST', '/_sim/faults', { match: { path: `/v1/subscriptions/${sub.id}` }, hang_ms: 3500 });
    const started = Date.now();
    const res = await getEntitlement(w, 'ike', 'pro');
    expect(Date.now() - started).toBeLessThan(3400);
    expect(res.json()).toMatchObject({ allowed: true, status: 'active', stale: true });
    await expect
      .poll(async () => (await w.t.db.pool.query(`SELECT status FROM np_stripe_entitlements WHERE source_id = $1`, [sub.id])).rows[0].status, {
        timeout: 5000,
      })
      .toBe('past_due');
  });

  it('does not re-confirm a canceled subscription', async () => {
    const sub = await buy('jack', ['pro']);
    await control(w.sim, 'POST', `/_sim/subscriptions/${sub.id}/status`, { status: 'canceled' });
    await grantFromSubscription(w, await w.stripe.subscriptions.retrieve(sub.id, {}, { stripeAccount: account }), account);
    await ageGrants(w, 'jack', 'pro');
    await control(w.sim, 'DELETE', '/_sim/requests');
    expect((await getEntitlement(w, 'jack', 'pro')).json()).toMatchObject({ allowed: false, status: 'canceled' });
    expect(await simRequests(w.sim, 'GET', `/v1/subscriptions/${sub.id}`)).toHaveLength(0);
  });

  it('rejects a malformed capability with 400 and a missing token with 401', async () => {
    expect((await getEntitlement(w, 'alice', 'pro%20plan')).statusCode).toBe(400);
    const res = await w.t.app.inject({ method: 'GET', url: '/entitlement/alice/pro' });
    expect(res.statusCode).toBe(401);
    expect((await getEntitlement(w, 'alice', 'pro', { 'x-tenant-id': 'nope' })).statusCode).toBe(400);
  });
});

describe('GET /entitlement with TTL 0', () => {
  let w: World;
  let account: string;

  beforeAll(async () => {
    w = await startWorld({ STRIPE_ENTITLEMENT_CACHE_TTL_SECONDS: '0' });
    account = await operator(w, 'shop');
  });
  afterAll(async () => w.close());

  it('re-confirms on every check', async () => {
    const price = (await recurringPrice(w, account)).id;
    const sub = await buySubscription(w, { operatorEntity: 'shop', account, price, subject: 'kim', capabilities: ['pro'] });
    await grantFromSubscription(w, sub, account);
    await control(w.sim, 'DELETE', '/_sim/requests');
    await getEntitlement(w, 'kim', 'pro');
    await getEntitlement(w, 'kim', 'pro');
    expect(await simRequests(w.sim, 'GET', `/v1/subscriptions/${sub.id}`)).toHaveLength(2);
  });

  it('never refreshes manual grants from Stripe', async () => {
    await w.t.app.inject({ method: 'POST', url: '/entitlement/lee/pro/grant', headers: AUTH, payload: {} });
    await control(w.sim, 'DELETE', '/_sim/requests');
    expect((await getEntitlement(w, 'lee', 'pro')).json()).toMatchObject({ allowed: true, status: 'manual' });
    expect(await simRequests(w.sim, 'GET', '/v1/subscriptions')).toHaveLength(0);
  });
});

describe('GET /entitlement when Stripe is gone', () => {
  it('answers from the cache with stale:true', async () => {
    const w = await startWorld();
    try {
      const account = await operator(w, 'shop');
      const price = (await recurringPrice(w, account)).id;
      const sub = await buySubscription(w, { operatorEntity: 'shop', account, price, subject: 'mia', capabilities: ['pro'], quantity: 2 });
      await grantFromSubscription(w, sub, account);
      await ageGrants(w, 'mia', 'pro');
      await w.sim.close();
      const res = await getEntitlement(w, 'mia', 'pro');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ allowed: true, status: 'active', quantity: 2, stale: true });
    } finally {
      await w.t.close();
    }
  });
});
