import pg from 'pg';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { createStripeClient } from '../../src/stripe/client.js';
import type { TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { appWithConnectedAccount, deliver, eventRowOf, grantsOf, makeEvent, seedAccount, subscriptionObject, TENANT, uniqueId } from './helpers.js';

let sim: Simulator;
let t: TestApp;
let account: string;
let listener: pg.Client;
const notes: Array<Record<string, unknown>> = [];

const now = () => Math.floor(Date.now() / 1000);
const idOf = (e: Stripe.Event) => (e.data.object as { id: string }).id;

async function simPost(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

/** A subscription that exists in the simulator under our account, with our metadata. */
async function simSubscription(entityId: string, capabilities: string): Promise<Stripe.Subscription> {
  const res = await simPost('/_sim/trigger', {
    type: 'customer.subscription.created',
    account,
    object: { metadata: { nself_tenant_id: TENANT, nself_entity_id: entityId, nself_capabilities: capabilities } },
  });
  return res.object as Stripe.Subscription;
}

async function waitForNote(kind: string, match: (n: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const found = notes.find((n) => n.kind === kind && match(n));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${kind} notification`);
}

beforeAll(async () => {
  ({ sim, t, account } = await appWithConnectedAccount());
  listener = new pg.Client({ connectionString: t.db.url });
  await listener.connect();
  listener.on('notification', (m) => notes.push(JSON.parse(m.payload ?? '{}') as Record<string, unknown>));
  await listener.query('LISTEN np_stripe_notifications');
});

afterAll(async () => {
  await listener?.end();
  await t?.close();
  await sim?.close();
});

function intent(entityId: string, capabilities = 'lifetime') {
  return { id: uniqueId('pi'), object: 'payment_intent', amount: 5000, amount_received: 5000, currency: 'usd', status: 'succeeded', customer: 'cus_buyer', metadata: { nself_tenant_id: TENANT, nself_entity_id: entityId, nself_capabilities: capabilities } };
}

function charge(pi: string, refunded: number) {
  return { id: uniqueId('ch'), object: 'charge', amount: 5000, amount_refunded: refunded, currency: 'usd', payment_intent: pi, metadata: {} };
}

describe('payments', () => {
  it('payment_intent.succeeded records the payment and grants its one-time capabilities', async () => {
    const entity = uniqueId('buyer');
    const pi = intent(entity, 'lifetime,export');
    expect((await deliver(t.app, makeEvent({ type: 'payment_intent.succeeded', account, object: pi }))).status).toBe(200);
    const grants = await grantsOf(t.db.pool, pi.id);
    expect(grants.map((g) => [g.entity_id, g.capability, g.source_type, g.allowed, g.status])).toEqual([
      [entity, 'export', 'payment', true, 'paid'],
      [entity, 'lifetime', 'payment', true, 'paid'],
    ]);
    const { rows } = await t.db.pool.query('SELECT kind, amount, status, entity_id FROM np_stripe_payments WHERE id = $1', [pi.id]);
    expect(rows).toEqual([{ kind: 'payment_intent', amount: 5000, status: 'succeeded', entity_id: entity }]);
  });

  it('a partial refund keeps the grant; a full refund revokes it', async () => {
    const pi = intent(uniqueId('buyer'));
    await deliver(t.app, makeEvent({ type: 'payment_intent.succeeded', account, object: pi }));
    const partial = charge(pi.id, 1000);
    await deliver(t.app, makeEvent({ type: 'charge.refunded', account, object: partial }));
    expect((await grantsOf(t.db.pool, pi.id))[0]).toMatchObject({ allowed: true, revoked_at: null });
    await deliver(t.app, makeEvent({ type: 'charge.refunded', account, object: { ...partial, amount_refunded: 5000 } }));
    const [grant] = await grantsOf(t.db.pool, pi.id);
    expect(grant).toMatchObject({ allowed: false, status: 'refunded' });
    expect(grant!.revoked_at).not.toBeNull();
    const { rows } = await t.db.pool.query('SELECT amount_refunded, status FROM np_stripe_payments WHERE id = $1', [partial.id]);
    expect(rows).toEqual([{ amount_refunded: 5000, status: 'refunded' }]);
  });

  it('a full refund that overtakes its payment event still leaves the grant revoked', async () => {
    const pi = intent(uniqueId('buyer'));
    await deliver(t.app, makeEvent({ type: 'charge.refunded', account, object: charge(pi.id, 5000) }));
    await deliver(t.app, makeEvent({ type: 'payment_intent.succeeded', account, object: pi }));
    expect((await grantsOf(t.db.pool, pi.id))[0]).toMatchObject({ allowed: false, status: 'refunded' });
  });

  it('charge.dispute.created flags the charge and notifies np_stripe_notifications', async () => {
    const ch = charge(uniqueId('pi'), 0);
    const dispute = { id: uniqueId('dp'), object: 'dispute', amount: 5000, currency: 'usd', charge: ch.id, payment_intent: ch.payment_intent, reason: 'fraudulent', status: 'needs_response', metadata: {} };
    expect((await deliver(t.app, makeEvent({ type: 'charge.dispute.created', account, object: dispute }))).status).toBe(200);
    const { rows } = await t.db.pool.query('SELECT disputed, dispute_id FROM np_stripe_payments WHERE id = $1', [ch.id]);
    expect(rows).toEqual([{ disputed: true, dispute_id: dispute.id }]);
    const note = await waitForNote('charge.dispute.created', (n) => n.dispute_id === dispute.id);
    expect(note).toMatchObject({ tenant_id: TENANT, charge_id: ch.id, stripe_account_id: account, amount: 5000 });
  });
});

describe('checkout', () => {
  function session(o: { mode: 'subscription' | 'payment'; entity: string; paymentStatus?: string; subscription?: string; pi?: string }) {
    return {
      id: uniqueId('cs'),
      object: 'checkout.session',
      mode: o.mode,
      payment_status: o.paymentStatus ?? 'paid',
      status: 'complete',
      customer: 'cus_buyer',
      subscription: o.subscription ?? null,
      payment_intent: o.pi ?? null,
      metadata: { nself_tenant_id: TENANT, nself_entity_id: o.entity, nself_capabilities: 'pro,reports' },
    };
  }

  it('grants the session capabilities to the subject, backed by the subscription', async () => {
    const entity = uniqueId('buyer');
    const sub = uniqueId('sub');
    const cs = session({ mode: 'subscription', entity, subscription: sub });
    expect((await deliver(t.app, makeEvent({ type: 'checkout.session.completed', account, object: cs }))).status).toBe(200);
    const grants = await grantsOf(t.db.pool, sub);
    expect(grants.map((g) => [g.entity_id, g.capability, g.allowed, g.checkout_session_id, g.stripe_customer_id, g.stripe_account_id])).toEqual([
      [entity, 'pro', true, cs.id, 'cus_buyer', account],
      [entity, 'reports', true, cs.id, 'cus_buyer', account],
    ]);
  });

  it('in payment mode the grant is backed by the payment intent', async () => {
    const pi = uniqueId('pi');
    await deliver(t.app, makeEvent({ type: 'checkout.session.completed', account, object: session({ mode: 'payment', entity: uniqueId('buyer'), pi }) }));
    expect((await grantsOf(t.db.pool, pi)).map((g) => [g.source_type, g.allowed])).toEqual([
      ['payment', true],
      ['payment', true],
    ]);
  });

  it('a payment that cost nothing (100% coupon, no payment intent) grants, backed by the session', async () => {
    const entity = uniqueId('buyer');
    const cs = { ...session({ mode: 'payment', entity, paymentStatus: 'no_payment_required' }), amount_total: 0 };
    expect(cs.payment_intent).toBeNull();
    const event = makeEvent({ type: 'checkout.session.completed', account, object: cs });
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true } });
    expect((await eventRowOf(t.db.pool, event.id))?.outcome).toBe('processed');
    expect((await grantsOf(t.db.pool, cs.id)).map((g) => [g.entity_id, g.capability, g.source_type, g.allowed, g.status, g.checkout_session_id, g.stripe_customer_id])).toEqual([
      [entity, 'pro', 'payment', true, 'paid', cs.id, 'cus_buyer'],
      [entity, 'reports', 'payment', true, 'paid', cs.id, 'cus_buyer'],
    ]);
  });

  it('a paid payment-mode session without a payment intent grants nothing', async () => {
    const cs = session({ mode: 'payment', entity: uniqueId('buyer') });
    const event = makeEvent({ type: 'checkout.session.completed', account, object: cs });
    expect((await deliver(t.app, event)).body).toEqual({ received: true, ignored: true });
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'unsupported_session_mode_payment' });
    expect(await grantsOf(t.db.pool, cs.id)).toEqual([]);
  });

  it('an unpaid session grants nothing', async () => {
    const sub = uniqueId('sub');
    const event = makeEvent({ type: 'checkout.session.completed', account, object: session({ mode: 'subscription', entity: uniqueId('buyer'), subscription: sub, paymentStatus: 'unpaid' }) });
    expect((await deliver(t.app, event)).body).toEqual({ received: true, ignored: true });
    expect(await grantsOf(t.db.pool, sub)).toEqual([]);
  });

  it('a session paid by a delayed method grants only on checkout.session.async_payment_succeeded', async () => {
    const entity = uniqueId('buyer');
    const pi = uniqueId('pi');
    const unpaid = session({ mode: 'payment', entity, pi, paymentStatus: 'unpaid' });
    const completed = makeEvent({ type: 'checkout.session.completed', account, object: unpaid });
    expect((await deliver(t.app, completed)).body).toEqual({ received: true, ignored: true });
    expect(await eventRowOf(t.db.pool, completed.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'payment_status_unpaid' });
    expect(await grantsOf(t.db.pool, pi)).toEqual([]);

    // Through the webhook route and its batcher: a type the SQL fast path cannot decode goes to the TypeScript handler.
    const succeeded = makeEvent({ type: 'checkout.session.async_payment_succeeded', account, object: { ...unpaid, payment_status: 'paid' } });
    expect(await deliver(t.app, succeeded)).toEqual({ status: 200, body: { received: true } });
    expect(await eventRowOf(t.db.pool, succeeded.id)).toMatchObject({ outcome: 'processed', ignored_reason: null, tenant_id: TENANT });
    expect((await grantsOf(t.db.pool, pi)).map((g) => [g.entity_id, g.capability, g.source_type, g.allowed, g.checkout_session_id])).toEqual([
      [entity, 'pro', 'payment', true, unpaid.id],
      [entity, 'reports', 'payment', true, unpaid.id],
    ]);
    expect((await deliver(t.app, succeeded)).body).toEqual({ received: true, duplicate: true });
  });

  it('checkout.session.async_payment_failed grants nothing and notifies np_stripe_notifications with ids', async () => {
    const entity = uniqueId('buyer');
    const sub = uniqueId('sub');
    const pi = uniqueId('pi');
    const failed = { ...session({ mode: 'subscription', entity, subscription: sub, paymentStatus: 'unpaid' }), payment_intent: pi };
    const event = makeEvent({ type: 'checkout.session.async_payment_failed', account, object: failed });
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true } });
    expect((await eventRowOf(t.db.pool, event.id))?.outcome).toBe('processed');
    expect(await grantsOf(t.db.pool, sub)).toEqual([]);
    const note = await waitForNote('checkout.session.async_payment_failed', (n) => n.event_id === event.id);
    expect(note).toEqual({
      kind: 'checkout.session.async_payment_failed',
      tenant_id: TENANT,
      event_id: event.id,
      stripe_account_id: account,
      entity_id: entity,
      checkout_session_id: failed.id,
      payment_intent_id: pi,
      subscription_id: sub,
      customer_id: 'cus_buyer',
    });
  });

  it('delivered together with events the SQL path applies, each lands where it belongs', async () => {
    const pi = uniqueId('pi');
    const paid = { ...session({ mode: 'payment', entity: uniqueId('buyer'), pi }), payment_status: 'paid' };
    const async = makeEvent({ type: 'checkout.session.async_payment_succeeded', account, object: paid });
    const subs = Array.from({ length: 3 }, () => makeEvent({ type: 'customer.subscription.created', account, object: subscriptionObject({ id: uniqueId('sub'), status: 'active', entityId: uniqueId('buyer'), capabilities: 'pro' }) }));
    const unknown = makeEvent({ type: 'customer.created', account, object: { id: uniqueId('cus'), object: 'customer', metadata: {} } });
    const answers = await Promise.all([async, ...subs, unknown].map((e) => deliver(t.app, e)));
    expect(answers.map((a) => a.body)).toEqual([...Array(4).fill({ received: true }), { received: true, ignored: true }]);
    expect((await grantsOf(t.db.pool, pi)).map((g) => g.allowed)).toEqual([true, true]);
    for (const e of subs) expect((await grantsOf(t.db.pool, idOf(e)))[0]).toMatchObject({ allowed: true });
    expect(await eventRowOf(t.db.pool, unknown.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'unhandled_type' });
  });

  it('the asynchronous payment events of an account we do not know change nothing', async () => {
    const pi = uniqueId('pi');
    const object = { ...session({ mode: 'payment', entity: uniqueId('buyer'), pi }), payment_status: 'paid' };
    for (const type of ['checkout.session.async_payment_succeeded', 'checkout.session.async_payment_failed']) {
      const event = makeEvent({ type, account: 'acct_1NotOurs000000', object });
      expect((await deliver(t.app, event)).body).toEqual({ received: true, ignored: true });
      expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'unknown_account' });
    }
    expect(await grantsOf(t.db.pool, pi)).toEqual([]);
  });

  it('a subscription event before checkout.session.completed grants, and the session keeps its state', async () => {
    const entity = uniqueId('buyer');
    const sub = uniqueId('sub');
    const end = now() + 86400 * 31;
    const object = subscriptionObject({ id: sub, status: 'past_due', entityId: entity, capabilities: 'pro', quantities: [3, 2], periodEnd: end, itemPeriodEndOnly: true });
    await deliver(t.app, makeEvent({ type: 'customer.subscription.updated', account, object }));
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ entity_id: entity, allowed: false, status: 'past_due', quantity: 5 });
    expect((await grantsOf(t.db.pool, sub))[0]!.current_period_end?.getTime()).toBe(end * 1000);
    await deliver(t.app, makeEvent({ type: 'checkout.session.completed', account, object: { ...session({ mode: 'subscription', entity, subscription: sub }), metadata: { nself_entity_id: entity, nself_capabilities: 'pro' } } }));
    const [grant] = await grantsOf(t.db.pool, sub);
    expect(grant).toMatchObject({ allowed: false, status: 'past_due', quantity: 5 });
    expect(grant!.checkout_session_id).toMatch(/^cs_/);
  });
});

describe('subscriptions', () => {
  it('created allows, updated past_due denies, deleted revokes for good', async () => {
    const entity = uniqueId('buyer');
    const sub = uniqueId('sub');
    const at = now() - 100;
    const send = (type: string, status: string, created: number) =>
      deliver(t.app, makeEvent({ type, account, created, object: subscriptionObject({ id: sub, status, entityId: entity, capabilities: 'pro' }) }));
    await send('customer.subscription.created', 'active', at);
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ allowed: true, status: 'active', quantity: 1 });
    await send('customer.subscription.updated', 'past_due', at + 1);
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ allowed: false, status: 'past_due' });
    await send('customer.subscription.deleted', 'canceled', at + 2);
    const [revoked] = await grantsOf(t.db.pool, sub);
    expect(revoked).toMatchObject({ allowed: false, status: 'canceled' });
    expect(revoked!.revoked_at).not.toBeNull();
    await send('customer.subscription.updated', 'active', at + 3);
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ allowed: false, status: 'canceled' });
  });

  it('a deletion in the same second as the creation still revokes', async () => {
    const entity = uniqueId('buyer');
    const sub = uniqueId('sub');
    const at = now() - 100;
    await deliver(t.app, makeEvent({ type: 'customer.subscription.created', account, created: at, object: subscriptionObject({ id: sub, status: 'active', entityId: entity, capabilities: 'pro' }) }));
    await deliver(t.app, makeEvent({ type: 'customer.subscription.deleted', account, created: at, object: subscriptionObject({ id: sub, status: 'canceled', entityId: entity, capabilities: 'pro' }) }));
    const [grant] = await grantsOf(t.db.pool, sub);
    expect(grant).toMatchObject({ allowed: false, status: 'canceled' });
    expect(grant!.revoked_at).not.toBeNull();
  });

  it('an older event does not overwrite newer state', async () => {
    const entity = uniqueId('buyer');
    const sub = uniqueId('sub');
    const at = now() - 100;
    await deliver(t.app, makeEvent({ type: 'customer.subscription.updated', account, created: at + 5, object: subscriptionObject({ id: sub, status: 'past_due', entityId: entity, capabilities: 'pro' }) }));
    await deliver(t.app, makeEvent({ type: 'customer.subscription.created', account, created: at, object: subscriptionObject({ id: sub, status: 'active', entityId: entity, capabilities: 'pro' }) }));
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ allowed: false, status: 'past_due' });
  });

  it('settles a same-second tie by fetching the subscription from Stripe', async () => {
    const entity = uniqueId('buyer');
    const created = await simSubscription(entity, 'pro');
    await simPost(`/_sim/subscriptions/${created.id}/status`, { status: 'past_due' });
    const at = now() - 50;
    const active = { ...created, status: 'active' };
    await deliver(t.app, makeEvent({ type: 'customer.subscription.created', account, created: at, object: active }));
    expect((await grantsOf(t.db.pool, created.id))[0]).toMatchObject({ allowed: true });
    // Same second, and this event's own object claims active: only Stripe knows it is past_due now.
    await deliver(t.app, makeEvent({ type: 'customer.subscription.updated', account, created: at, object: { ...active, quantity: 1 } }));
    const [grant] = await grantsOf(t.db.pool, created.id);
    expect(grant).toMatchObject({ allowed: false, status: 'past_due' });
    const fetches = (await (await fetch(`${sim.url}/_sim/requests?method=GET&path=/v1/subscriptions/${created.id}`)).json()) as { data: Array<{ account: string }> };
    expect(fetches.data.map((r) => r.account)).toEqual([account]);
  });
});

describe('invoices', () => {
  it('invoice.payment_failed flags the grants and notifies; invoice.paid clears the flag', async () => {
    const entity = uniqueId('buyer');
    const sub = uniqueId('sub');
    const at = now() - 100;
    await deliver(t.app, makeEvent({ type: 'customer.subscription.created', account, created: at, object: subscriptionObject({ id: sub, status: 'active', entityId: entity, capabilities: 'pro' }) }));
    const invoice = { id: uniqueId('in'), object: 'invoice', subscription: sub, customer: 'cus_buyer', status: 'open', attempted: true, amount_due: 2000, currency: 'usd', metadata: {} };
    expect((await deliver(t.app, makeEvent({ type: 'invoice.payment_failed', account, created: at + 1, object: invoice }))).status).toBe(200);
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ payment_failed: true, allowed: true });
    const note = await waitForNote('invoice.payment_failed', (n) => n.invoice_id === invoice.id);
    expect(note).toMatchObject({ tenant_id: TENANT, subscription_id: sub, grants_flagged: 1 });
    await deliver(t.app, makeEvent({ type: 'invoice.paid', account, created: at + 2, object: { ...invoice, status: 'paid' } }));
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ payment_failed: false });
    // An older failure arriving late does not raise the flag again.
    await deliver(t.app, makeEvent({ type: 'invoice.payment_failed', account, created: at + 1, object: invoice }));
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ payment_failed: false });
  });

  it('an invoice event before any subscription event makes the grants from Stripe', async () => {
    const entity = uniqueId('buyer');
    const created = await simSubscription(entity, 'pro');
    const invoice = { id: created.latest_invoice as string, object: 'invoice', subscription: created.id, customer: created.customer, status: 'open', attempted: true, amount_due: 2000, currency: 'usd' };
    await deliver(t.app, makeEvent({ type: 'invoice.payment_failed', account, object: invoice }));
    expect((await grantsOf(t.db.pool, created.id))[0]).toMatchObject({ entity_id: entity, allowed: true, payment_failed: true, status: 'active' });
  });
});

describe('failure and retry', () => {
  it('a failing handler rolls back, records the failure, answers 500, and the redelivery succeeds', async () => {
    const entity = uniqueId('buyer');
    const created = await simSubscription(entity, 'pro');
    const invoice = { id: created.latest_invoice as string, object: 'invoice', subscription: created.id, customer: created.customer, status: 'open', attempted: true, amount_due: 2000, currency: 'usd' };
    const event = makeEvent({ type: 'invoice.payment_failed', account, object: invoice });
    await simPost('/_sim/faults', { match: { method: 'GET', path: `/v1/subscriptions/${created.id}` }, status: 500, count: 10 });
    const first = await deliver(t.app, event);
    expect(first.status).toBe(500);
    expect((first.body.error as { code: string }).code).toBe('event_processing_failed');
    expect(await grantsOf(t.db.pool, created.id)).toEqual([]);
    const failed = await eventRowOf(t.db.pool, event.id);
    expect(failed).toMatchObject({ outcome: 'failed', attempts: 1 });
    expect(failed!.last_error).toMatch(/StripeAPIError/);
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });

    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true } });
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'processed', attempts: 2, last_error: null });
    expect((await grantsOf(t.db.pool, created.id))[0]).toMatchObject({ payment_failed: true });
  });
});

describe('account events', () => {
  it('reach the accounts handlers: account.updated syncs, deauthorization stops the grants', async () => {
    const stripe = createStripeClient(testConfig({ STRIPE_API_BASE: sim.url }));
    const acct = await stripe.accounts.create({ type: 'express', country: 'US', email: 'other@example.com' });
    await seedAccount(t.db.pool, { accountId: acct.id });
    const updated = { ...acct, charges_enabled: true, payouts_enabled: true, details_submitted: true };
    expect((await deliver(t.app, makeEvent({ type: 'account.updated', account: acct.id, object: updated as unknown as Record<string, unknown> }))).body).toEqual({ received: true });
    const sub = uniqueId('sub');
    await deliver(t.app, makeEvent({ type: 'customer.subscription.created', account: acct.id, object: subscriptionObject({ id: sub, status: 'active', entityId: uniqueId('buyer'), capabilities: 'pro' }) }));
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ allowed: true });

    const app = { id: 'ca_app', object: 'application', name: 'nself' };
    const deauth = { ...makeEvent({ type: 'account.application.deauthorized', account: acct.id, object: app }), api_version: null } as unknown as Stripe.Event;
    expect((await deliver(t.app, deauth)).body).toEqual({ received: true });
    const { rows } = await t.db.pool.query('SELECT status FROM np_stripe_accounts WHERE stripe_account_id = $1', [acct.id]);
    expect(rows).toEqual([{ status: 'deauthorized' }]);
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ allowed: false });
    expect((await eventRowOf(t.db.pool, deauth.id))?.outcome).toBe('processed');
  });
});
