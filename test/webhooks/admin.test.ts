import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { processEvent, type PipelineDeps } from '../../src/webhooks/pipeline.js';
import { processed, type EventHandler } from '../../src/webhooks/types.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { AUTH } from '../helpers/config.js';
import { TENANT, deliver, eventRowOf, grantsOf, makeEvent, seedAccount, subscriptionObject, uniqueId } from './helpers.js';

let sim: Simulator;
let t: TestApp;
let deps: PipelineDeps;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  t = await buildTestApp({ env: { STRIPE_API_BASE: sim.url } });
  deps = t.app.ctx;
});

afterAll(async () => {
  await t?.close();
  await sim?.close();
});

async function paymentRows(id: string): Promise<number> {
  const { rows } = await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM np_stripe_payments WHERE id = $1', [id]);
  return rows[0]!.n;
}

describe('a handler failure', () => {
  it('rolls back the partial effect, records failed with attempts, and a retry succeeds with attempts 2', async () => {
    const recordId = uniqueId('pi');
    let failing = true;
    const writesThenMaybeThrows: EventHandler = async (tx, _event, ctx) => {
      await tx.query(`INSERT INTO np_stripe_payments (id, tenant_id, kind, status) VALUES ($1, $2, 'payment_intent', 'succeeded')`, [recordId, ctx.tenantId]);
      if (failing) throw new Error(`boom while applying (key ${deps.config.stripe.secretKey})`);
      return processed;
    };
    const handlers = { 'test.partial_write': writesThenMaybeThrows };
    const event = makeEvent({ type: 'test.partial_write', object: { id: 'obj_1', object: 'thing', metadata: {} } });

    const first = await processEvent({ ...deps, handlers }, event, 'platform');
    expect(first.kind).toBe('failed');
    expect(await paymentRows(recordId)).toBe(0);
    const failed = await eventRowOf(t.db.pool, event.id);
    expect(failed).toMatchObject({ outcome: 'failed', attempts: 1 });
    expect(failed!.last_error).toContain('boom while applying');
    expect(failed!.last_error).not.toContain(deps.config.stripe.secretKey);

    failing = false;
    expect((await processEvent({ ...deps, handlers }, event, 'platform')).kind).toBe('processed');
    expect(await paymentRows(recordId)).toBe(1);
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'processed', attempts: 2, last_error: null });
  });
});

describe('failed-event view and replay', () => {
  let failedEvent: Stripe.Event;
  let subId: string;

  beforeAll(async () => {
    // A subscription event on an account we do not know yet: ignored, replayable once it is linked.
    subId = uniqueId('sub');
    failedEvent = makeEvent({
      type: 'test.always_fails',
      object: { id: 'obj_2', object: 'thing', metadata: {} },
    });
    const boom: EventHandler = async () => {
      throw new Error('downstream broke');
    };
    await processEvent({ ...deps, handlers: { 'test.always_fails': boom } }, failedEvent, 'platform');
  });

  it('requires the bearer token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/events?status=failed' });
    expect(res.statusCode).toBe(401);
  });

  it('lists failed events without their payload', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/events?status=failed&limit=10', headers: AUTH });
    expect(res.statusCode).toBe(200);
    const data = res.json().data as Array<Record<string, unknown>>;
    const row = data.find((e) => e.id === failedEvent.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, type: 'test.always_fails', channel: 'platform' });
    expect(row!.last_error).toContain('downstream broke');
    expect(row).not.toHaveProperty('payload');
    expect(data.every((e) => e.status === 'failed')).toBe(true);
  });

  it('filters by channel', async () => {
    const platform = await t.app.inject({ method: 'GET', url: '/events?status=failed&channel=platform', headers: AUTH });
    expect(platform.json<{ data: Array<{ id: string; channel: string }> }>().data.map((e) => e.id)).toContain(failedEvent.id);
    const connect = await t.app.inject({ method: 'GET', url: '/events?status=failed&channel=connect', headers: AUTH });
    const rows = connect.json<{ data: Array<{ id: string; channel: string }> }>().data;
    expect(rows.map((e) => e.id)).not.toContain(failedEvent.id);
    expect(rows.every((e) => e.channel === 'connect')).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/events?channel=both', headers: AUTH })).statusCode).toBe(400);
  });

  it('rejects a bad status filter with 400', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/events?status=weird', headers: AUTH });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_error');
  });

  it('shows one event with its payload, 404 for an unknown id', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/events/${failedEvent.id}`, headers: AUTH });
    expect(res.statusCode).toBe(200);
    expect(res.json().payload).toMatchObject({ id: failedEvent.id, type: 'test.always_fails' });
    expect((await t.app.inject({ method: 'GET', url: '/events/evt_nope', headers: AUTH })).statusCode).toBe(404);
  });

  it('replays an ignored event through the same pipeline once its cause is gone, then refuses a second replay', async () => {
    const account = `acct_${uniqueId('later')}`;
    const object = { ...subscriptionObject({ id: subId, status: 'active' }), metadata: {} };
    const event = makeEvent({ type: 'customer.subscription.created', account, object });
    expect((await deliver(t.app, event)).body).toEqual({ received: true, ignored: true });
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'unknown_account' });

    await seedAccount(t.db.pool, { accountId: account });
    // The subscription carries no metadata of ours: the replay processes it and ignores it for that reason.
    const replay = await t.app.inject({ method: 'POST', url: `/events/${event.id}/replay`, headers: AUTH });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().event).toMatchObject({ id: event.id, status: 'ignored', ignored_reason: 'no_entitlement_metadata', attempts: 2 });
  });

  it('replays a failed event and applies it; a processed event answers 409', async () => {
    const account = `acct_${uniqueId('seller')}`;
    await seedAccount(t.db.pool, { accountId: account });
    const sub = uniqueId('sub');
    const event = makeEvent({ type: 'customer.subscription.created', account, object: subscriptionObject({ id: sub, status: 'active', entityId: uniqueId('buyer'), capabilities: 'pro' }) });
    // Fails first: the event is recorded failed by a broken handler table.
    const broken: EventHandler = async () => {
      throw new Error('temporary');
    };
    expect((await processEvent({ ...deps, handlers: { 'customer.subscription.created': broken } }, event, 'connect')).kind).toBe('failed');
    expect(await grantsOf(t.db.pool, sub)).toEqual([]);

    const replay = await t.app.inject({ method: 'POST', url: `/events/${event.id}/replay`, headers: AUTH });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().event).toMatchObject({ status: 'processed', attempts: 2, last_error: null });
    expect((await grantsOf(t.db.pool, sub))[0]).toMatchObject({ allowed: true, tenant_id: TENANT });

    const again = await t.app.inject({ method: 'POST', url: `/events/${event.id}/replay`, headers: AUTH });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_processed');
  });
});
