import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import type { TestApp } from '../helpers/app.js';
import { TEST_ENV } from '../helpers/config.js';
import {
  appWithConnectedAccount,
  CONNECT_SECRET,
  countRows,
  deliver,
  eventRowOf,
  grantsOf,
  makeEvent,
  PLATFORM_SECRET,
  signature,
  subscriptionObject,
  TENANT,
  uniqueId,
} from './helpers.js';

const ROTATED_PLATFORM_SECRET = 'whsec_platform_rotated_secret_111111111';

let sim: Simulator;
let t: TestApp;
let account: string;
let address: string | null = null;
const listening = async (): Promise<string> => (address ??= await t.app.listen({ port: 0, host: '127.0.0.1' }));

function transferEvent(overrides: { id?: string; account?: string } = {}) {
  return makeEvent({
    id: overrides.id,
    type: 'transfer.created',
    object: { id: uniqueId('tr'), object: 'transfer', amount: 1500, currency: 'usd', destination: account, metadata: {}, reversed: false, amount_reversed: 0 },
    account: overrides.account ?? null,
  });
}

function paymentEvent(entityId: string) {
  return makeEvent({
    type: 'payment_intent.succeeded',
    account,
    object: {
      id: uniqueId('pi'),
      object: 'payment_intent',
      amount: 5000,
      amount_received: 5000,
      currency: 'usd',
      status: 'succeeded',
      customer: 'cus_buyer',
      metadata: { nself_tenant_id: TENANT, nself_entity_id: entityId, nself_capabilities: 'lifetime' },
    },
  });
}

beforeAll(async () => {
  ({ sim, t, account } = await appWithConnectedAccount({ STRIPE_PLATFORM_WEBHOOK_SECRET: `${PLATFORM_SECRET},${ROTATED_PLATFORM_SECRET}` }));
});

afterAll(async () => {
  await t?.close();
  await sim?.close();
});

describe('webhook verification', () => {
  it('applies a signed platform event and answers {received:true}', async () => {
    const event = transferEvent();
    const res = await deliver(t.app, event);
    expect(res).toEqual({ status: 200, body: { received: true } });
    const { rows } = await t.db.pool.query('SELECT kind, destination, amount, tenant_id FROM np_stripe_payments WHERE id = $1', [
      (event.data.object as { id: string }).id,
    ]);
    expect(rows).toEqual([{ kind: 'transfer', destination: account, amount: 1500, tenant_id: TENANT }]);
    expect((await eventRowOf(t.db.pool, event.id))?.outcome).toBe('processed');
  });

  const now = () => Math.floor(Date.now() / 1000);
  const refusals: Array<{ name: string; code: string; send: () => Promise<{ status: number; body: Record<string, unknown> }> }> = [
    { name: 'a forged signature', code: 'invalid_signature', send: () => deliver(t.app, transferEvent(), { secret: 'whsec_forged_by_someone_else_0000' }) },
    {
      name: 'a stale timestamp (over 300 s)',
      code: 'invalid_signature',
      send: () => {
        const payload = JSON.stringify(transferEvent());
        return deliver(t.app, transferEvent(), { payload, headers: { 'stripe-signature': signature(payload, PLATFORM_SECRET, now() - 301) } });
      },
    },
    { name: "the other channel's secret", code: 'invalid_signature', send: () => deliver(t.app, transferEvent(), { channel: 'platform', secret: CONNECT_SECRET }) },
    {
      name: 'a tampered body',
      code: 'invalid_signature',
      send: () => {
        const payload = JSON.stringify(transferEvent());
        const header = signature(payload, PLATFORM_SECRET);
        return deliver(t.app, transferEvent(), { payload: payload.replace('1500', '9999'), headers: { 'stripe-signature': header } });
      },
    },
    {
      name: 'a missing Stripe-Signature header',
      code: 'invalid_signature',
      send: async () => {
        const res = await t.app.inject({ method: 'POST', url: '/stripe/webhook/platform', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(transferEvent()) });
        return { status: res.statusCode, body: res.json() };
      },
    },
    {
      name: 'a malformed JSON body with a bad signature',
      code: 'invalid_signature',
      send: () => deliver(t.app, transferEvent(), { payload: '{"id": "evt_x", ', headers: { 'stripe-signature': 't=1,v1=00' } }),
    },
    { name: 'a Connect event without account', code: 'missing_account', send: () => deliver(t.app, transferEvent(), { channel: 'connect' }) },
    {
      name: 'a Stripe-Account header that differs from the event account',
      code: 'account_mismatch',
      send: () => deliver(t.app, transferEvent({ account }), { channel: 'connect', headers: { 'stripe-account': 'acct_someone_else' } }),
    },
  ];
  for (const r of refusals) {
    it(`refuses ${r.name} with 400 ${r.code} and writes nothing`, async () => {
      const before = await countRows(t.db.pool);
      const res = await r.send();
      expect(res.status).toBe(400);
      expect((res.body.error as { code: string }).code).toBe(r.code);
      expect(await countRows(t.db.pool)).toEqual(before);
    });
  }

  it('accepts both secrets of a rotated list', async () => {
    for (const secret of [PLATFORM_SECRET, ROTATED_PLATFORM_SECRET]) {
      const res = await deliver(t.app, transferEvent(), { secret });
      expect(res.status).toBe(200);
    }
  });

  it('accepts a Connect event whose Stripe-Account header matches', async () => {
    const res = await deliver(t.app, transferEvent({ account }), { channel: 'connect', headers: { 'stripe-account': account } });
    expect(res).toEqual({ status: 200, body: { received: true } });
  });

  it('never leaks a webhook secret into the logs', () => {
    const all = t.logs.join('\n');
    for (const s of [PLATFORM_SECRET, ROTATED_PLATFORM_SECRET, CONNECT_SECRET, TEST_ENV.STRIPE_PLATFORM_SECRET_KEY]) expect(all).not.toContain(s);
  });
});

describe('exactly once', () => {
  it('answers a duplicate with duplicate:true and applies it once', async () => {
    const event = paymentEvent(uniqueId('buyer'));
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true } });
    const before = await countRows(t.db.pool);
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect(await countRows(t.db.pool)).toEqual(before);
    expect((await eventRowOf(t.db.pool, event.id))?.attempts).toBe(1);
  });

  it('applies 50 concurrent deliveries of one new event exactly once', async () => {
    const base = await listening();
    const entity = uniqueId('buyer');
    const event = paymentEvent(entity);
    const payload = JSON.stringify(event);
    const send = () =>
      fetch(`${base}/stripe/webhook/connect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature(payload, CONNECT_SECRET) },
        body: payload,
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    const results = await Promise.all(Array.from({ length: 50 }, send));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.duplicate !== true)).toHaveLength(1);
    const pi = (event.data.object as { id: string }).id;
    expect(await grantsOf(t.db.pool, pi)).toHaveLength(1);
    const { rows } = await t.db.pool.query('SELECT count(*)::int AS n FROM np_stripe_payments WHERE id = $1', [pi]);
    expect(rows[0].n).toBe(1);
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'processed', attempts: 1 });
  });
});

describe('events we do not apply', () => {
  it('records an unknown type as ignored and answers 200', async () => {
    const event = makeEvent({ type: 'customer.created', object: { id: 'cus_x', object: 'customer', metadata: {} } });
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true, ignored: true } });
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'unhandled_type' });
  });

  it('ignores an event of a connected account we do not know', async () => {
    const sub = uniqueId('sub');
    const event = makeEvent({ type: 'customer.subscription.updated', account: 'acct_stranger', object: { ...subscriptionObject({ id: sub, status: 'active' }), metadata: {} } });
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true, ignored: true } });
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'unknown_account' });
    expect(await grantsOf(t.db.pool, sub)).toEqual([]);
  });

  it('ignores an unknown account event even when its metadata names our tenant and entity', async () => {
    const sub = uniqueId('sub');
    const object = subscriptionObject({ id: sub, status: 'active', entityId: uniqueId('buyer'), capabilities: 'pro' });
    const event = makeEvent({ type: 'customer.subscription.created', account: 'acct_not_ours', object });
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true, ignored: true } });
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'unknown_account' });
    expect(await grantsOf(t.db.pool, sub)).toEqual([]);
  });

  it('ignores an event whose livemode differs from the key mode', async () => {
    const sub = uniqueId('sub');
    const object = subscriptionObject({ id: sub, status: 'active', entityId: uniqueId('buyer'), capabilities: 'pro' });
    const event = makeEvent({ type: 'customer.subscription.created', account, object, livemode: true });
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true, ignored: true } });
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'livemode_mismatch' });
    expect(await grantsOf(t.db.pool, sub)).toEqual([]);
  });
});

describe('deliveries from the simulator', () => {
  it('a checkout paid in the simulator grants through its signed Connect deliveries', async () => {
    const base = await listening();
    sim.setWebhookTargets({ connectWebhookUrl: `${base}/stripe/webhook/connect`, connectWebhookSecret: CONNECT_SECRET });
    const entity = uniqueId('buyer');
    const res = await fetch(`${sim.url}/_sim/trigger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'checkout.session.completed',
        account,
        object: { metadata: { nself_tenant_id: TENANT, nself_entity_id: entity, nself_capabilities: 'pro' } },
        deliver: { all: true },
      }),
    });
    const body = (await res.json()) as { object: { subscription: string }; all_events: Array<{ id: string; type: string }> };
    expect(res.status).toBe(200);
    const [grant] = await grantsOf(t.db.pool, body.object.subscription);
    expect(grant).toMatchObject({ entity_id: entity, capability: 'pro', allowed: true, status: 'active', stripe_account_id: account });
    expect(grant!.checkout_session_id).toMatch(/^cs_/);
    const deliveries = sim.state.deliveries.filter((d) => body.all_events.some((e) => e.id === d.event_id));
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((d) => d.status === 200)).toBe(true);
  });
});
