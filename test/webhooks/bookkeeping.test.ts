import pg from 'pg';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NOTIFICATION_BYTES, notificationPayload } from '../../src/notify.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { AUTH } from '../helpers/config.js';
import { TENANT, deliver, eventRowOf, grantsOf, makeEvent, seedAccount, signature, CONNECT_SECRET, subscriptionObject, uniqueId } from './helpers.js';

/** No event may be lost to its own bookkeeping: its notification or its own payload. */

let sim: Simulator;
let t: TestApp;
let account: string;
let listener: pg.Client;
const notes: string[] = [];
const headers = { ...AUTH, 'x-tenant-id': TENANT };
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  t = await buildTestApp({ env: { STRIPE_API_BASE: sim.url } });
  account = (await t.app.ctx.stripe.accounts.create({ type: 'express', country: 'US' })).id;
  await seedAccount(t.db.pool, { accountId: account });
  listener = new pg.Client({ connectionString: t.db.url });
  await listener.connect();
  listener.on('notification', (m) => notes.push(m.payload ?? ''));
  await listener.query('LISTEN np_stripe_notifications');
});
afterAll(async () => {
  await listener?.end();
  await t?.close();
  await sim?.close();
});

async function simPost(path: string, body: unknown): Promise<Response> {
  return fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('notifications carry ids only', () => {
  it('invoice.payment_failed on a subscription with 600 capabilities is applied and notifies below the 8,000-byte limit', async () => {
    const entity = uniqueId('buyer');
    const sub = uniqueId('sub');
    const capabilities = Array.from({ length: 600 }, (_, i) => `capability-number-${String(i).padStart(4, '0')}`).join(',');
    const at = now() - 100;
    const created = makeEvent({ type: 'customer.subscription.created', account, created: at, object: subscriptionObject({ id: sub, status: 'active', entityId: entity, capabilities }) });
    expect((await deliver(t.app, created)).status).toBe(200);
    const invoice = { id: uniqueId('in'), object: 'invoice', subscription: sub, customer: 'cus_many', status: 'open', attempted: true, amount_due: 900, currency: 'usd', metadata: {} };
    const failed = makeEvent({ type: 'invoice.payment_failed', account, created: at + 1, object: invoice });
    expect(await deliver(t.app, failed)).toEqual({ status: 200, body: { received: true } });
    expect(await eventRowOf(t.db.pool, failed.id)).toMatchObject({ outcome: 'processed' });
    const flagged = await grantsOf(t.db.pool, sub);
    expect(flagged).toHaveLength(600);
    expect(flagged.every((g) => g.payment_failed)).toBe(true);
    let note: string | undefined;
    for (let i = 0; i < 100 && !note; i++) {
      note = notes.find((n) => n.includes(invoice.id));
      if (!note) await new Promise((r) => setTimeout(r, 20));
    }
    expect(note).toBeDefined();
    expect(Buffer.byteLength(note!)).toBeLessThan(8000);
    expect(JSON.parse(note!)).toMatchObject({ kind: 'invoice.payment_failed', subscription_id: sub, event_id: failed.id, grants_flagged: 600 });
  });

  it('bounds every text value and falls back to the bare ids past the limit', () => {
    const long = 'x'.repeat(100_000);
    const bounded = JSON.parse(notificationPayload({ kind: 'k', tenant_id: TENANT, event_id: 'evt_1', reason: long })) as Record<string, string>;
    expect(bounded.reason).toHaveLength(255);
    const many: Record<string, string> = {};
    for (let i = 0; i < 100; i++) many[`field_${i}`] = long;
    const payload = notificationPayload({ kind: 'k', tenant_id: TENANT, event_id: 'evt_2', ...many });
    expect(Buffer.byteLength(payload)).toBeLessThan(MAX_NOTIFICATION_BYTES);
    expect(JSON.parse(payload)).toEqual({ kind: 'k', tenant_id: TENANT, event_id: 'evt_2' });
  });
});

describe('an event holding \\u0000', () => {
  it('is recorded, applied, and shown with its payload', async () => {
    const sub = uniqueId('sub');
    const entity = uniqueId('buyer');
    const object = { ...subscriptionObject({ id: sub, status: 'active', entityId: entity, capabilities: 'pro' }), description: 'seats\u0000for the team' };
    const event = makeEvent({ type: 'customer.subscription.created', account, object });
    const raw = JSON.stringify(event);
    expect(raw).toContain('\\u0000');
    expect(await deliver(t.app, event)).toEqual({ status: 200, body: { received: true } });
    const { rows } = await t.db.pool.query('SELECT outcome, payload IS NULL AS no_jsonb, payload_text IS NOT NULL AS has_text FROM np_stripe_processed_events WHERE event_id = $1', [event.id]);
    expect(rows[0]).toEqual({ outcome: 'processed', no_jsonb: true, has_text: true });
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ entity_id: entity, allowed: true });
    const shown = await t.app.inject({ method: 'GET', url: `/events/${event.id}`, headers });
    expect(shown.statusCode).toBe(200);
    expect(shown.json<{ payload: { data: { object: { description: string } } } }>().payload.data.object.description).toBe('seats\u0000for the team');
  });

  it('that fails is recorded failed, listed, and replayed once its cause is gone', async () => {
    const entity = uniqueId('buyer');
    const res = await simPost('/_sim/trigger', {
      type: 'customer.subscription.created',
      account,
      object: { metadata: { nself_tenant_id: TENANT, nself_entity_id: entity, nself_capabilities: 'pro' } },
    });
    const sub = ((await res.json()) as { object: Stripe.Subscription }).object;
    const at = now() - 30;
    await deliver(t.app, makeEvent({ type: 'customer.subscription.created', account, created: at, object: sub as unknown as Record<string, unknown> }));
    // The same second again: settling the tie needs Stripe, which fails for now.
    await simPost('/_sim/faults', { match: { method: 'GET', path: `/v1/subscriptions/${sub.id}` }, status: 500, count: 10 });
    const tie = makeEvent({ type: 'customer.subscription.updated', account, created: at, object: { ...(sub as unknown as Record<string, unknown>), description: 'bad\u0000byte' } });
    const payload = JSON.stringify(tie);
    const delivered = await t.app.inject({
      method: 'POST',
      url: '/stripe/webhook/connect',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature(payload, CONNECT_SECRET) },
      payload,
    });
    expect(delivered.statusCode).toBe(500);
    expect(await eventRowOf(t.db.pool, tie.id)).toMatchObject({ outcome: 'failed', attempts: 1 });
    const listed = await t.app.inject({ method: 'GET', url: '/events?status=failed', headers });
    expect(listed.json<{ data: Array<{ id: string }> }>().data.map((e) => e.id)).toContain(tie.id);
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    const replayed = await t.app.inject({ method: 'POST', url: `/events/${tie.id}/replay`, headers });
    expect(replayed.statusCode).toBe(200);
    expect(await eventRowOf(t.db.pool, tie.id)).toMatchObject({ outcome: 'processed' });
  });
});
