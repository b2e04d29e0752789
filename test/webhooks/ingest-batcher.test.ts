import pg from 'pg';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../src/db/pool.js';
import { parseChangeNotification } from '../../src/entitlements/change-listener.js';
import { createLogger } from '../../src/logger.js';
import { IngestBatcher } from '../../src/webhooks/ingest-batcher.js';
import type { PipelineDeps } from '../../src/webhooks/pipeline.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { AUTH } from '../helpers/config.js';
import { deliver, eventRowOf, grantsOf, makeEvent, seedAccount, subscriptionObject, TENANT, uniqueId } from './helpers.js';

let t: TestApp;
let account: string;
let listener: pg.Client;
const changes: string[] = [];

beforeAll(async () => {
  t = await buildTestApp({ env: { STRIPE_ENTITLEMENT_MEMORY_CACHE: 'true', LOG_LEVEL: 'info' } });
  account = uniqueId('acct');
  await seedAccount(t.db.pool, { accountId: account });
  listener = new pg.Client({ connectionString: t.db.url });
  await listener.connect();
  listener.on('notification', (m) => changes.push(m.payload ?? ''));
  await listener.query('LISTEN np_stripe_entitlement_changes');
});
afterAll(async () => {
  await listener?.end();
  await t?.close();
});

const subscriptionCreated = (entity = uniqueId('buyer'), o: { quantities?: number[] } = {}) =>
  makeEvent({ type: 'customer.subscription.created', account, object: subscriptionObject({ id: uniqueId('sub'), status: 'active', entityId: entity, capabilities: 'pro', ...o }) });
const subId = (e: Stripe.Event) => (e.data.object as { id: string }).id;

async function batchSizes(): Promise<{ count: number; sum: number }> {
  const { values } = await t.app.ctx.metrics.webhookBatchEvents.get();
  const pick = (name: string) => values.find((v) => v.metricName === name)?.value ?? 0;
  return { count: pick('nself_stripe_webhook_batch_events_count'), sum: pick('nself_stripe_webhook_batch_events_sum') };
}

async function heard(predicate: (payloads: string[]) => boolean): Promise<void> {
  for (let i = 0; i < 200 && !predicate(changes); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('group commit', () => {
  it('deliveries arriving together share batches, and each is answered only once its batch committed', async () => {
    const before = await batchSizes();
    const events = Array.from({ length: 40 }, () => subscriptionCreated());
    const missing: string[] = [];
    await Promise.all(
      events.map(async (event) => {
        const res = await deliver(t.app, event);
        expect(res).toEqual({ status: 200, body: { received: true } });
        // Committed before the answer: another connection sees the event and its grant at once.
        const row = await eventRowOf(t.db.pool, event.id);
        if (row?.outcome !== 'processed' || (await grantsOf(t.db.pool, subId(event))).length !== 1) missing.push(event.id);
      }),
    );
    expect(missing).toEqual([]);
    const after = await batchSizes();
    expect(after.sum - before.sum).toBe(40);
    expect(after.count - before.count).toBeLessThan(40);
  });

  it('sends the next batch before it answers the deliveries of the batch that just committed', async () => {
    const timeline: string[] = [];
    const pool = t.db.pool;
    const query = ((config: unknown, values?: unknown) => {
      if ((config as { name?: string } | null)?.name === 'np_stripe_ingest_events') timeline.push('batch sent');
      return (pool.query as (c: unknown, v?: unknown) => Promise<unknown>)(config, values);
    }) as Pool['query'];
    const recording = new Proxy(pool, { get: (target, key) => (key === 'query' ? query : Reflect.get(target, key)) });
    const batcher = new IngestBatcher({ ...t.app.ctx, pool: recording });
    const deliver = (e: Stripe.Event) => batcher.ingest(e, JSON.stringify(e), 'connect').then((r) => (timeline.push('answered'), r));

    const first = Array.from({ length: 3 }, () => subscriptionCreated()).map(deliver);
    while (!timeline.includes('batch sent')) await new Promise((r) => setImmediate(r));
    // These wait for the first batch: they make the second.
    const second = Array.from({ length: 3 }, () => subscriptionCreated()).map(deliver);
    const results = await Promise.all([...first, ...second]);

    expect(results.every((r) => r.kind === 'processed')).toBe(true);
    expect(timeline.filter((x) => x === 'batch sent')).toHaveLength(2);
    expect(timeline.slice(0, 2)).toEqual(['batch sent', 'batch sent']);
    await batcher.whenIdle();
  });

  it('pays one NOTIFY per batch, naming every grant key it changed', async () => {
    const events = Array.from({ length: 30 }, () => subscriptionCreated());
    await new Promise((r) => setTimeout(r, 200)); // earlier tests' notifications are in
    changes.length = 0;
    const before = await batchSizes();
    await Promise.all(events.map((e) => deliver(t.app, e)));
    const batches = (await batchSizes()).count - before.count;
    const entities = events.map((e) => (e.data.object as Stripe.Subscription).metadata.nself_entity_id!);
    const named = () => new Set(changes.flatMap((p) => (parseChangeNotification(p) === 'all' ? [] : (parseChangeNotification(p) as string[][]).map((k) => k[1]))));
    await heard(() => entities.every((e) => named().has(e)));
    expect(entities.filter((e) => !named().has(e))).toEqual([]);
    expect(changes.length).toBe(batches);
    expect(changes.every((p) => Array.isArray(JSON.parse(p)) && Array.isArray((JSON.parse(p) as unknown[])[0]))).toBe(true);
  });

  it("says '*' when a batch's keys would pass the 8,000-byte limit, and every listener drops everything", async () => {
    await new Promise((r) => setTimeout(r, 200));
    changes.length = 0;
    const capabilities = Array.from({ length: 300 }, (_, i) => `cap-${i}`).join(',');
    const object = subscriptionObject({ id: uniqueId('sub'), status: 'active', entityId: uniqueId('buyer'), capabilities });
    expect((await deliver(t.app, makeEvent({ type: 'customer.subscription.created', account, object }))).status).toBe(200);
    await heard((p) => p.length > 0);
    expect(changes).toEqual(['*']);
    expect(parseChangeNotification('*')).toBe('all');
    expect(parseChangeNotification('["t","e","c"]')).toEqual([['t', 'e', 'c']]);
    expect(parseChangeNotification('[["t","e","c"],["t","e2","c"]]')).toEqual([['t', 'e', 'c'], ['t', 'e2', 'c']]);
    expect(parseChangeNotification('[["t","e"]]')).toBe('all');
  });

  it('reads its own writes: a check right after a webhook answers from the new state, with the cache on', async () => {
    for (let i = 0; i < 20; i++) {
      const entity = uniqueId('ryw');
      const url = `/entitlement/${entity}/pro`;
      const headers = { ...AUTH, 'x-tenant-id': TENANT };
      expect((await t.app.inject({ method: 'GET', url, headers })).json()).toMatchObject({ allowed: false });
      expect((await t.app.inject({ method: 'GET', url, headers })).json()).toMatchObject({ allowed: false }); // remembered
      expect((await deliver(t.app, subscriptionCreated(entity))).status).toBe(200);
      expect((await t.app.inject({ method: 'GET', url, headers })).json()).toMatchObject({ allowed: true });
    }
  });

  it('a member that fails takes no other down: the batch is retried one by one and the failure is recorded for it alone', async () => {
    const good = Array.from({ length: 12 }, () => subscriptionCreated());
    // A negative seat count breaks a CHECK constraint in the batch and in the pipeline alike.
    const bad = subscriptionCreated(uniqueId('buyer'), { quantities: [-3] });
    const all = [...good.slice(0, 6), bad, ...good.slice(6)];
    const answers = await Promise.all(all.map((e) => deliver(t.app, e)));
    expect(answers[6]!.status).toBe(500);
    expect(answers.filter((_, i) => i !== 6).map((a) => a.status)).toEqual(good.map(() => 200));
    expect(await eventRowOf(t.db.pool, bad.id)).toMatchObject({ outcome: 'failed', attempts: 1 });
    for (const e of good) expect(await eventRowOf(t.db.pool, e.id)).toMatchObject({ outcome: 'processed', attempts: 1 });
  });

  it('a batch blocked on a row another transaction holds (a tie asking Stripe) hands its events to the pipeline', async () => {
    const held = subscriptionCreated();
    expect((await deliver(t.app, held)).status).toBe(200);
    const update = makeEvent({ type: 'customer.subscription.updated', account, created: held.created + 5, object: { ...(held.data.object as unknown as Record<string, unknown>), status: 'past_due' } });
    const others = Array.from({ length: 6 }, () => subscriptionCreated());
    const blocker = await t.db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM np_stripe_entitlements WHERE source_id = $1 FOR UPDATE', [subId(held)]);
      const started = Date.now();
      const pending = deliver(t.app, update);
      const answered = await Promise.all(others.map(async (e) => ({ res: await deliver(t.app, e), ms: Date.now() - started })));
      // Past the batch's lock timeout (2 s) the others are applied one by one, long before the lock goes.
      expect(answered.map((a) => a.res.status)).toEqual(others.map(() => 200));
      expect(Math.max(...answered.map((a) => a.ms))).toBeLessThan(5_000);
      await new Promise((r) => setTimeout(r, 6_000 - (Date.now() - started)));
      await blocker.query('COMMIT');
      expect((await pending).status).toBe(200);
    } finally {
      blocker.release();
    }
    expect((await grantsOf(t.db.pool, subId(held)))[0]).toMatchObject({ status: 'past_due', allowed: false });
  }, 20_000);

  it('writes one log line per event with plain fields', () => {
    const lines = t.logs.flatMap((l) => l.split('\n')).filter((l) => l.includes('"msg":"webhook event"'));
    expect(lines.length).toBeGreaterThan(100);
    const line = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    expect(line).toMatchObject({ event_id: expect.any(String), event_type: expect.any(String), channel: 'connect', stripe_account: account, outcome: expect.any(String) });
  });
});

describe('conflicts between replicas', () => {
  /** The app's pool, failing the batch statement as told before letting it through. */
  function failingPool(pool: Pool, failures: Array<{ code: string; detail?: (values: unknown[]) => string }>): { pool: Pool; batches: () => number } {
    let batches = 0;
    const query = ((config: unknown, values?: unknown) => {
      const named = typeof config === 'object' && config !== null && (config as { name?: string }).name === 'np_stripe_ingest_events';
      if (!named) return (pool.query as (c: unknown, v?: unknown) => Promise<unknown>)(config, values);
      batches++;
      const failure = failures.shift();
      if (!failure) return pool.query(config as pg.QueryConfig);
      const params = (config as { values: unknown[] }).values;
      return Promise.reject(Object.assign(new Error('simulated'), { code: failure.code, detail: failure.detail?.(params) }));
    }) as Pool['query'];
    return { pool: new Proxy(pool, { get: (target, key) => (key === 'query' ? query : Reflect.get(target, key)) }), batches: () => batches };
  }

  function batcherOver(pool: Pool): { batcher: IngestBatcher; logs: string[] } {
    const logs: string[] = [];
    const logger = createLogger('debug', { write: (l: string) => logs.push(l) });
    const deps: PipelineDeps = { ...t.app.ctx, pool, logger };
    return { batcher: new IngestBatcher(deps), logs };
  }

  it('a batch that lost a deadlock is run again as a batch', async () => {
    const { pool, batches } = failingPool(t.db.pool, [{ code: '40P01' }, { code: '40001' }]);
    const { batcher, logs } = batcherOver(pool);
    const events = Array.from({ length: 5 }, () => subscriptionCreated());
    const results = await Promise.all(events.map((e) => batcher.ingest(e, JSON.stringify(e), 'connect')));
    expect(results).toEqual(events.map(() => ({ kind: 'processed', tenantId: TENANT })));
    expect(batches()).toBe(3);
    expect(logs.filter((l) => l.includes('one by one'))).toEqual([]);
  });

  it('with two batches in flight, copies racing, each event is applied once and every delivery answered after its commit', async () => {
    let batches = 0;
    const batcher = new IngestBatcher(t.app.ctx, { maxInFlight: 2, maxEvents: 8, onBatch: () => batches++ });
    const events = Array.from({ length: 30 }, () => subscriptionCreated());
    const copies = [...events, ...events.slice(0, 15)].sort(() => Math.random() - 0.5);
    const results = await Promise.all(copies.map((e) => batcher.ingest(e, JSON.stringify(e), 'connect')));
    expect(results.filter((r) => r.kind === 'processed')).toHaveLength(30);
    expect(results.filter((r) => r.kind === 'duplicate')).toHaveLength(15);
    expect(batches).toBeGreaterThan(1);
    for (const e of events) expect(await grantsOf(t.db.pool, subId(e))).toHaveLength(1);
    await batcher.whenIdle();
  });

  it('an event that met a grant of its own second written meanwhile leaves the batch for the pipeline', async () => {
    const events = Array.from({ length: 4 }, () => subscriptionCreated());
    const { pool, batches } = failingPool(t.db.pool, [{ code: 'NS001', detail: () => events[2]!.id }]);
    const { batcher } = batcherOver(pool);
    const results = await Promise.all(events.map((e) => batcher.ingest(e, JSON.stringify(e), 'connect')));
    // The one the pipeline applied logs its own line (with its tenant); the batch names the tenant of the others.
    expect(results).toEqual(events.map((e) => (e === events[2] ? { kind: 'processed' } : { kind: 'processed', tenantId: TENANT })));
    expect(batches()).toBe(2);
    for (const e of events) expect(await grantsOf(t.db.pool, subId(e))).toHaveLength(1);
    await batcher.whenIdle();
  });
});
