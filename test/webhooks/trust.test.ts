import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/reconcile/index.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { AUTH } from '../helpers/config.js';
import { TENANT, countRows, deliver, eventRowOf, grantsOf, makeEvent, seedAccount, subscriptionObject, uniqueId } from './helpers.js';

const OTHER_TENANT = '9b2d5c1e-7f3a-4c8b-8e6d-2a1f0b9c8d7e';
const headers = { ...AUTH, 'x-tenant-id': TENANT };

let sim: Simulator;
let t: TestApp;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  t = await buildTestApp({ env: { STRIPE_API_BASE: sim.url } });
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

async function can(entity: string, capability = 'pro'): Promise<{ allowed: boolean; status: string; stale?: boolean }> {
  const res = await t.app.inject({ method: 'GET', url: `/entitlement/${entity}/${capability}`, headers });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** An operator of ours: a row and a real account in the simulator. */
async function operator(tenantId = TENANT): Promise<{ entityId: string; accountId: string }> {
  const entityId = uniqueId('op');
  const accountId = (await t.app.ctx.stripe.accounts.create({ type: 'express', country: 'US' })).id;
  await seedAccount(t.db.pool, { accountId, tenantId, entityId });
  return { entityId, accountId };
}

/** A subscription that exists in the simulator under the account, carrying our metadata. */
async function simSubscription(accountId: string, entityId: string, capabilities = 'pro'): Promise<Stripe.Subscription> {
  const res = await fetch(`${sim.url}/_sim/trigger`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'customer.subscription.created',
      account: accountId,
      object: { metadata: { nself_tenant_id: TENANT, nself_entity_id: entityId, nself_capabilities: capabilities } },
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { object: Stripe.Subscription }).object;
}

describe('metadata never decides ownership', () => {
  it('a stranger account naming our tenant and entity in its metadata grants nothing, on any event type', async () => {
    const buyer = uniqueId('buyer');
    const metadata = { nself_tenant_id: TENANT, nself_entity_id: buyer, nself_capabilities: 'pro' };
    const sub = uniqueId('sub');
    const events = [
      makeEvent({ type: 'customer.subscription.created', account: 'acct_stranger1', object: subscriptionObject({ id: sub, status: 'active', entityId: buyer, capabilities: 'pro' }) }),
      makeEvent({
        type: 'checkout.session.completed',
        account: 'acct_stranger1',
        object: { id: uniqueId('cs'), object: 'checkout.session', mode: 'subscription', payment_status: 'paid', subscription: sub, customer: 'cus_x', metadata },
      }),
      makeEvent({
        type: 'payment_intent.succeeded',
        account: 'acct_stranger1',
        object: { id: uniqueId('pi'), object: 'payment_intent', amount: 100, amount_received: 100, currency: 'usd', status: 'succeeded', metadata },
      }),
      makeEvent({
        type: 'invoice.paid',
        account: 'acct_stranger1',
        object: { id: uniqueId('in'), object: 'invoice', subscription: sub, status: 'paid', attempted: true, subscription_details: { metadata } },
      }),
    ];
    const before = await countRows(t.db.pool);
    for (const event of events) {
      expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true, ignored: true } });
      expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'unknown_account' });
    }
    const after = await countRows(t.db.pool);
    expect(after).toEqual({ ...before, np_stripe_processed_events: before.np_stripe_processed_events! + events.length });
    expect(await can(buyer)).toMatchObject({ allowed: false, status: 'none' });
  });

  it("a stranger's account.updated cannot claim an operator that was never onboarded", async () => {
    const victim = uniqueId('op');
    const stranger = await t.app.ctx.stripe.accounts.create({ type: 'express', metadata: { nself_tenant_id: TENANT, nself_entity_id: victim } });
    const event = makeEvent({ type: 'account.updated', account: stranger.id, object: { ...stranger, charges_enabled: true, payouts_enabled: true, details_submitted: true } });
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true, ignored: true } });
    expect((await t.app.inject({ method: 'GET', url: `/account/${victim}`, headers })).statusCode).toBe(404);
    const checkout = await t.app.inject({
      method: 'POST',
      url: '/checkout',
      headers,
      payload: { entity_id: victim, price_id: 'price_x', capabilities: ['pro'], success_url: 'https://a.example/ok', cancel_url: 'https://a.example/no' },
    });
    expect(checkout.statusCode).toBe(404);
    // Onboarding the victim gives it an account of its own, never the stranger's.
    const onboard = await t.app.inject({ method: 'POST', url: '/onboard', headers, payload: { entity_id: victim } });
    expect(onboard.statusCode).toBe(200);
    expect(onboard.json()).toMatchObject({ mode: 'account_link' });
    expect(onboard.json<{ account_id: string }>().account_id).not.toBe(stranger.id);
  });

  it("another operator's event never moves or changes a grant sold under a different account", async () => {
    const seller = await operator();
    const other = await operator();
    const buyer = uniqueId('buyer');
    const sub = uniqueId('sub');
    const at = now() - 60;
    const object = subscriptionObject({ id: sub, status: 'active', entityId: buyer, capabilities: 'pro' });
    await deliver(t.app, makeEvent({ type: 'customer.subscription.created', account: seller.accountId, created: at, object }));
    // Same subscription id under the other account, newer and canceled.
    const hostile = makeEvent({ type: 'customer.subscription.deleted', account: other.accountId, created: at + 30, object: { ...object, status: 'canceled' } });
    expect((await deliver(t.app, hostile)).status).toBe(200);
    const invoice = makeEvent({
      type: 'invoice.payment_failed',
      account: other.accountId,
      created: at + 31,
      object: { id: uniqueId('in'), object: 'invoice', subscription: sub, status: 'open', attempted: true, amount_due: 900, currency: 'usd', metadata: {} },
    });
    expect((await deliver(t.app, invoice)).status).toBe(200);
    const [grant] = await grantsOf(t.db.pool, sub);
    expect(grant).toMatchObject({ stripe_account_id: seller.accountId, status: 'active', allowed: true, payment_failed: false, revoked_at: null });
    expect(await can(buyer)).toMatchObject({ allowed: true });
  });

  it('a known account whose event metadata names another tenant changes nothing', async () => {
    const seller = await operator();
    const buyer = uniqueId('buyer');
    const sub = uniqueId('sub');
    const object = subscriptionObject({ id: sub, status: 'active', entityId: buyer, capabilities: 'pro' });
    const event = makeEvent({ type: 'customer.subscription.created', account: seller.accountId, object: { ...object, metadata: { ...(object.metadata as object), nself_tenant_id: OTHER_TENANT } } });
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true, ignored: true } });
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'tenant_mismatch' });
    expect(await grantsOf(t.db.pool, sub)).toEqual([]);
  });

  it('an operator of another tenant sells only into its own tenant', async () => {
    const foreign = await operator(OTHER_TENANT);
    const buyer = uniqueId('buyer');
    const sub = uniqueId('sub');
    const object = subscriptionObject({ id: sub, status: 'active', entityId: buyer, capabilities: 'pro' });
    const { metadata, ...rest } = object;
    const event = makeEvent({ type: 'customer.subscription.created', account: foreign.accountId, object: { ...rest, metadata: { ...(metadata as object), nself_tenant_id: OTHER_TENANT } } });
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true } });
    expect(await can(buyer)).toMatchObject({ allowed: false, status: 'none' });
    const [grant] = await grantsOf(t.db.pool, sub);
    expect(grant).toMatchObject({ tenant_id: OTHER_TENANT, allowed: true });
  });
});

describe('a disconnect lasts', () => {
  async function soldGrant(): Promise<{ seller: { entityId: string; accountId: string }; buyer: string; sub: Stripe.Subscription }> {
    const seller = await operator();
    const buyer = uniqueId('buyer');
    const sub = await simSubscription(seller.accountId, buyer);
    await deliver(t.app, makeEvent({ type: 'customer.subscription.created', account: seller.accountId, created: now() - 100, object: sub as unknown as Record<string, unknown> }));
    expect(await can(buyer)).toMatchObject({ allowed: true, status: 'active' });
    return { seller, buyer, sub };
  }

  it('after POST /account/:e/disconnect, no later event of that account, in any order, gives access back', async () => {
    const { seller, buyer, sub } = await soldGrant();
    const res = await t.app.inject({ method: 'POST', url: `/account/${seller.entityId}/disconnect`, headers });
    expect(res.statusCode).toBe(200);
    expect(await can(buyer)).toMatchObject({ allowed: false, status: 'account_deauthorized' });

    const metadata = { nself_tenant_id: TENANT, nself_entity_id: buyer, nself_capabilities: 'pro' };
    const later = [
      makeEvent({ type: 'customer.subscription.updated', account: seller.accountId, created: now() + 5, object: { ...(sub as unknown as Record<string, unknown>), status: 'active' } }),
      makeEvent({ type: 'invoice.paid', account: seller.accountId, created: now() + 6, object: { id: uniqueId('in'), object: 'invoice', subscription: sub.id, status: 'paid', attempted: true, amount_due: 900, currency: 'usd', metadata: {} } }),
      makeEvent({
        type: 'checkout.session.completed',
        account: seller.accountId,
        created: now() + 7,
        object: { id: uniqueId('cs'), object: 'checkout.session', mode: 'subscription', payment_status: 'paid', subscription: uniqueId('sub'), customer: 'cus_y', metadata },
      }),
      makeEvent({
        type: 'payment_intent.succeeded',
        account: seller.accountId,
        created: now() + 8,
        object: { id: uniqueId('pi'), object: 'payment_intent', amount: 100, amount_received: 100, currency: 'usd', status: 'succeeded', metadata },
      }),
      // An event from before the disconnect, delivered after it.
      makeEvent({ type: 'customer.subscription.updated', account: seller.accountId, created: now() - 50, object: { ...(sub as unknown as Record<string, unknown>), status: 'active' } }),
    ];
    for (const event of later) expect((await deliver(t.app, event)).status).toBe(200);
    expect(await can(buyer)).toMatchObject({ allowed: false, status: 'account_deauthorized' });
    const { rows } = await t.db.pool.query('SELECT count(*)::int AS n FROM np_stripe_entitlements WHERE stripe_account_id = $1 AND allowed', [seller.accountId]);
    expect(rows[0].n).toBe(0);
  });

  it('after account.application.deauthorized, neither TTL refresh nor reconcile gives access back', async () => {
    const { seller, buyer, sub } = await soldGrant();
    await deliver(t.app, makeEvent({ type: 'account.application.deauthorized', account: seller.accountId, object: { id: 'ca_x', object: 'application' } }));
    expect(await can(buyer)).toMatchObject({ allowed: false, status: 'account_deauthorized' });
    // The grant is older than any TTL: a check must neither fetch from Stripe nor answer stale.
    await t.db.pool.query(`UPDATE np_stripe_entitlements SET cached_at = now() - interval '10 days' WHERE source_id = $1`, [sub.id]);
    await fetch(`${sim.url}/_sim/requests`, { method: 'DELETE' });
    const answer = await can(buyer);
    expect(answer).toMatchObject({ allowed: false, status: 'account_deauthorized' });
    expect(answer.stale).toBeUndefined();
    const report = await reconcile(t.app.ctx);
    // Other tests' made-up subscriptions fail to fetch; this one is not even tried.
    expect(report.errors.filter((e) => e.id === sub.id)).toEqual([]);
    expect(await can(buyer)).toMatchObject({ allowed: false, status: 'account_deauthorized' });
    const requests = (await (await fetch(`${sim.url}/_sim/requests?method=GET`)).json()) as { data: Array<{ path: string }> };
    expect(requests.data.filter((r) => r.path === `/v1/subscriptions/${sub.id}`)).toEqual([]);
  });

  it('a grant written concurrently with the disconnect ends up denied', async () => {
    for (let round = 0; round < 10; round++) {
      const { seller, buyer, sub } = await soldGrant();
      const update = makeEvent({ type: 'customer.subscription.updated', account: seller.accountId, created: now() + 1, object: { ...(sub as unknown as Record<string, unknown>), status: 'active' } });
      const [, disconnected] = await Promise.all([
        deliver(t.app, update),
        t.app.inject({ method: 'POST', url: `/account/${seller.entityId}/disconnect`, headers }),
      ]);
      expect(disconnected.statusCode).toBe(200);
      expect(await can(buyer)).toMatchObject({ allowed: false, status: 'account_deauthorized' });
    }
  });

  it('the same account connected again gives back what Stripe still says is paid for', async () => {
    const { seller, buyer } = await soldGrant();
    await t.app.inject({ method: 'POST', url: `/account/${seller.entityId}/disconnect`, headers });
    expect(await can(buyer)).toMatchObject({ allowed: false });
    // A reconnection of the same account (an OAuth link stores status and lifts the deauthorization).
    await t.db.pool.query(`UPDATE np_stripe_accounts SET status = 'active', deauthorized_at = NULL WHERE stripe_account_id = $1`, [seller.accountId]);
    expect(await can(buyer)).toMatchObject({ allowed: true, status: 'active' });
  });

  it('an entity onboarded again with a new account does not revive the old account grants', async () => {
    const { seller, buyer, sub } = await soldGrant();
    await t.app.inject({ method: 'POST', url: `/account/${seller.entityId}/disconnect`, headers });
    await t.db.pool.query(`UPDATE np_stripe_accounts SET stripe_account_id = $2, status = 'active' WHERE stripe_account_id = $1`, [seller.accountId, uniqueId('acct')]);
    // The old account's grant is refreshed from Stripe, where the subscription is still active.
    await t.db.pool.query(`UPDATE np_stripe_entitlements SET cached_at = now() - interval '10 days' WHERE source_id = $1`, [sub.id]);
    expect(await can(buyer)).toMatchObject({ allowed: false, status: 'account_deauthorized' });
  });
});
