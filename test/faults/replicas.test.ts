import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { AUTH, testConfig, TEST_ENV } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { seedAccount } from '../webhooks/helpers.js';
import { ledgerProblems } from './helpers/effects.js';
import { mapBounded, mixedEvents, postSigned, subscriptionEvent, TENANT, type Answer } from './helpers/events.js';

const ACCOUNT = 'acct_faultsReplicas001';
const EVENTS = 2_000;
const COPIES = 3;
const CONCURRENCY = 50;
const PROPAGATION_LIMIT_MS = 1_000;

interface Replica {
  app: App;
  pool: Pool;
  url: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Memory-cache hits a replica has served (from its own metrics registry). */
async function memoryHits(app: App): Promise<number> {
  const { values } = await app.ctx.metrics.entitlementChecks.get();
  return values.filter((v) => v.labels.source === 'memory').reduce((sum, v) => sum + v.value, 0);
}

async function allowedOn(replica: Replica, entity: string, capability: string): Promise<boolean> {
  const res = await fetch(`${replica.url}/entitlement/${entity}/${capability}`, { headers: { ...AUTH, 'x-tenant-id': TENANT } });
  if (res.status !== 200) throw new Error(`entitlement check answered ${res.status}`);
  return ((await res.json()) as { allowed: boolean }).allowed;
}

/** Polls every other replica until each answers `expected`; returns the slowest one's latency. */
async function propagation(others: Replica[], entity: string, capability: string, expected: boolean, since: number): Promise<number> {
  const latencies = await Promise.all(
    others.map(async (r) => {
      while (Date.now() - since < 5_000) {
        if ((await allowedOn(r, entity, capability)) === expected) return Date.now() - since;
        await sleep(5);
      }
      return Infinity;
    }),
  );
  return Math.max(...latencies);
}

describe('three replicas on one PostgreSQL', () => {
  let db: TestDatabase;
  let sim: Simulator;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    sim = await startSimulator({ port: 0, secretKeys: [TEST_ENV.STRIPE_PLATFORM_SECRET_KEY] });
    const config = testConfig({ STRIPE_API_BASE: sim.url, STRIPE_ENTITLEMENT_MEMORY_CACHE: 'true' });
    // Each replica has its own pool and its own LISTEN connection, as separate processes would.
    for (let i = 0; i < 3; i++) {
      const pool = createPool(db.url, 10);
      const app = await buildApp(config, { pool, logger: createLogger('silent') });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      replicas.push({ app, pool, url });
    }
    await seedAccount(db.pool, { accountId: ACCOUNT });
  });
  afterAll(async () => {
    for (const r of replicas) {
      await r.app.close();
      await r.pool.end();
    }
    await sim?.close();
    await db?.drop();
  });

  it('applies 2,000 events delivered three times each across the replicas exactly once', async () => {
    const planned = mixedEvents(ACCOUNT, EVENTS);
    // The first half's copies are in flight together; the second half's arrive later, in a second and third wave.
    const half = EVENTS / 2;
    const deliveries: Array<{ event: number; replica: number }> = [];
    for (let e = 0; e < half; e++) for (let c = 0; c < COPIES; c++) deliveries.push({ event: e, replica: (e + c) % 3 });
    for (let c = 0; c < COPIES; c++) for (let e = half; e < EVENTS; e++) deliveries.push({ event: e, replica: (e + c) % 3 });

    const started = Date.now();
    const answers: Answer[] = await mapBounded(deliveries, CONCURRENCY, (d) => postSigned(replicas[d.replica]!.url, planned[d.event]!));
    const elapsed = Date.now() - started;

    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const perEvent = new Map<number, Answer[]>();
    deliveries.forEach((d, i) => perEvent.set(d.event, [...(perEvent.get(d.event) ?? []), answers[i]!]));
    for (const [event, list] of perEvent) {
      const firsts = list.filter((a) => a.body.duplicate !== true);
      expect(firsts, `event ${event}: one delivery applies it`).toEqual([{ status: 200, body: { received: true } }]);
      expect(list.filter((a) => a.body.duplicate === true)).toHaveLength(COPIES - 1);
    }
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM np_stripe_processed_events');
    expect(rows[0]!.n).toBe(EVENTS);
    const grants = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM np_stripe_entitlements');
    expect(grants.rows[0]!.n).toBe(EVENTS);
    expect(await ledgerProblems(db.pool, planned)).toEqual([]);
    console.log(
      `[faults] replicas: ${deliveries.length} deliveries of ${EVENTS} events in ${elapsed} ms ` +
        `(${Math.round((deliveries.length / elapsed) * 1000)}/s, concurrency ${CONCURRENCY}); ${EVENTS} effects, ${deliveries.length - EVENTS} duplicates`,
    );
  });

  it('shows a grant change made on one replica to checks on the other two within a second', async () => {
    const latencies: number[] = [];
    for (let round = 0; round < 6; round++) {
      const writer = replicas[round % 3]!;
      const others = replicas.filter((r) => r !== writer);
      const entity = `comped-${round}`;
      // Every replica has the "no grant" answer in memory before the change.
      for (const r of replicas) expect(await allowedOn(r, entity, 'seats')).toBe(false);
      const hitsBefore = await Promise.all(others.map((r) => memoryHits(r.app)));
      for (const r of others) expect(await allowedOn(r, entity, 'seats')).toBe(false);
      const hitsAfter = await Promise.all(others.map((r) => memoryHits(r.app)));
      hitsAfter.forEach((h, i) => expect(h).toBeGreaterThan(hitsBefore[i]!));

      let since = Date.now();
      const granted = await fetch(`${writer.url}/entitlement/${entity}/seats/grant`, {
        method: 'POST',
        headers: { ...AUTH, 'x-tenant-id': TENANT, 'content-type': 'application/json' },
        body: JSON.stringify({ quantity: 2 }),
      });
      expect(granted.status).toBe(201);
      latencies.push(await propagation(others, entity, 'seats', true, since));

      since = Date.now();
      const revoked = await fetch(`${writer.url}/entitlement/${entity}/seats/grant`, { method: 'DELETE', headers: { ...AUTH, 'x-tenant-id': TENANT } });
      expect(revoked.status).toBe(200);
      latencies.push(await propagation(others, entity, 'seats', false, since));
    }

    // A webhook on one replica: the subscription goes past_due, the others stop allowing.
    const sub = subscriptionEvent(ACCOUNT, 99_999);
    expect((await postSigned(replicas[0]!.url, sub)).status).toBe(200);
    for (const r of replicas) expect(await allowedOn(r, sub.entityId, sub.capability)).toBe(true);
    const pastDue = subscriptionEvent(ACCOUNT, 99_999, 'customer.subscription.updated');
    const object = { ...(sub.event.data.object as unknown as Record<string, unknown>), status: 'past_due' };
    const update = { ...pastDue, event: { ...pastDue.event, created: sub.event.created + 1, data: { object } } } as typeof pastDue;
    const since = Date.now();
    expect((await postSigned(replicas[1]!.url, update)).status).toBe(200);
    latencies.push(await propagation([replicas[0]!, replicas[2]!], sub.entityId, sub.capability, false, since));

    const worst = Math.max(...latencies);
    console.log(`[faults] replica propagation over ${latencies.length} changes: worst ${worst} ms, median ${latencies.sort((a, b) => a - b)[latencies.length >> 1]} ms`);
    expect(worst).toBeLessThan(PROPAGATION_LIMIT_MS);
  });
});
