import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createStripeClient } from '../../src/stripe/client.js';
import { IngestBatcher } from '../../src/webhooks/ingest-batcher.js';
import { processEvent, type PipelineDeps, type PipelineResult } from '../../src/webhooks/pipeline.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { grantsOf, seedAccount, simulatedAccount, TENANT, uniqueId } from './helpers.js';
import { API_VERSIONS, simEventIn, type ApiVersion } from './versions.js';

/**
 * Every order of one subscription lifecycle, as the simulator really produces it:
 * created(active) → invoice.payment_failed → updated(past_due) → invoice.paid →
 * updated(active) → deleted. Whatever order they arrive in, the grant must end as Stripe
 * ends: canceled, not allowed, revoked, payment flag cleared (the last invoice event was paid).
 *
 * Once per API version we read: the same lifecycles, rendered as an endpoint on that version
 * receives them (basil: periods only on the items, invoices under parent.subscription_details),
 * applied by a service whose STRIPE_API_VERSION is that version, so the objects it fetches to
 * settle ties come back in that shape too.
 */

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const ORDERS = permutations([0, 1, 2, 3, 4, 5]);
// Without the deletion the final state is not terminal, so only ordering and ties can get it right.
const OPEN_ORDERS = permutations([0, 1, 2, 3, 4]);
const EXPECTED_TYPES = [
  'customer.subscription.created',
  'invoice.payment_failed',
  'customer.subscription.updated',
  'invoice.paid',
  'customer.subscription.updated',
  'customer.subscription.deleted',
];

let sim: Simulator;
let account: string;
// The simulator's event ids of each lifecycle, in the order they happened.
const lifecycles: string[][] = [];
const openLifecycles: string[][] = [];

async function simPost(path: string, body: unknown): Promise<{ object: { id: string }; events: Array<{ id: string }> }> {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { object: { id: string }; events: Array<{ id: string }> };
}

/** One real lifecycle in the simulator; returns its event ids in the order they happened. */
async function lifecycle(cancel: boolean): Promise<string[]> {
  const metadata = { nself_tenant_id: TENANT, nself_entity_id: uniqueId('buyer'), nself_capabilities: 'pro' };
  const created = await simPost('/_sim/trigger', { type: 'customer.subscription.created', account, object: { metadata } });
  const id = created.object.id;
  const ids = [...created.events.map((e) => e.id)];
  for (const status of cancel ? ['past_due', 'active', 'canceled'] : ['past_due', 'active']) ids.push(...(await simPost(`/_sim/subscriptions/${id}/status`, { status })).events.map((e) => e.id));
  return ids;
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  account = await simulatedAccount(sim);
  for (let i = 0; i < ORDERS.length; i++) lifecycles.push(await lifecycle(true));
  for (let i = 0; i < OPEN_ORDERS.length; i++) openLifecycles.push(await lifecycle(false));
}, 120_000);

afterAll(async () => {
  await sim?.close();
});

type Path = 'pipeline' | 'batched';

async function runAll(v: ApiVersion, db: TestDatabase, orders: number[][], runs: Stripe.Event[][], createdOf: (index: number) => number, path: Path = 'pipeline') {
  const config = testConfig({ STRIPE_API_BASE: sim.url, STRIPE_API_VERSION: v.version });
  const deps: PipelineDeps = { config, pool: db.pool, stripe: createStripeClient(config), logger: createLogger('silent') };
  const batcher = new IngestBatcher(deps);
  const apply = (event: Stripe.Event): Promise<PipelineResult> =>
    path === 'batched' ? batcher.ingest(event, JSON.stringify(event), 'connect') : processEvent(deps, event, 'connect');
  const failures: string[] = [];
  let applied = 0;
  await pool(
    orders.map((order, i) => ({ order, events: runs[i]! })),
    8,
    async ({ order, events }) => {
      for (const index of order) {
        const event = { ...structuredClone(events[index]!), created: createdOf(index) } as Stripe.Event;
        const result = await apply(event);
        if (result.kind === 'failed') failures.push(`${order.join('')}: ${result.message}`);
        applied++;
      }
    },
  );
  expect(failures).toEqual([]);
  return applied;
}

interface Final {
  status: string;
  allowed: boolean;
  revoked: boolean;
}

async function expectFinalState(db: TestDatabase, orders: number[][], runs: Stripe.Event[][], want: Final) {
  const wrong: string[] = [];
  for (let i = 0; i < orders.length; i++) {
    const subId = (runs[i]![0]!.data.object as Stripe.Subscription).id;
    const grants = await grantsOf(db.pool, subId);
    const got = grants.map((g) => ({ status: g.status, allowed: g.allowed, revoked: g.revoked_at !== null, flag: g.payment_failed, quantity: g.quantity }));
    // The last invoice event in time was invoice.paid: the flag ends cleared.
    if (JSON.stringify(got) !== JSON.stringify([{ ...want, flag: false, quantity: 1 }])) wrong.push(`${orders[i]!.join('')}: ${JSON.stringify(got)}`);
  }
  expect(wrong).toEqual([]);
}

const CANCELED: Final = { status: 'canceled', allowed: false, revoked: true };
const ACTIVE: Final = { status: 'active', allowed: true, revoked: false };

describe.each(API_VERSIONS)('events of an endpoint on $version', (v) => {
  const dbs: TestDatabase[] = [];
  let closed: Stripe.Event[][] = [];
  let open: Stripe.Event[][] = [];

  beforeAll(async () => {
    closed = lifecycles.map((ids) => ids.map((id) => simEventIn(sim, id, v)));
    open = openLifecycles.map((ids) => ids.map((id) => simEventIn(sim, id, v)));
    // Two for the pipeline, two for the group-commit path the routes use.
    for (let i = 0; i < 4; i++) {
      const db = await createTestDatabase();
      await seedAccount(db.pool, { accountId: account });
      dbs.push(db);
    }
  }, 60_000);

  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  describe('every order of a subscription lifecycle ends as Stripe ends', () => {
    it('the simulator produced the lifecycle, in this version\'s shape, and holds the final state', async () => {
      expect(closed).toHaveLength(720);
      expect(closed[0]!.map((e) => e.type)).toEqual(EXPECTED_TYPES);
      expect(closed[0]!.every((e) => e.api_version === v.version)).toBe(true);
      const sub = closed[0]![0]!.data.object as unknown as Record<string, unknown>;
      const invoice = closed[0]![1]!.data.object as unknown as Record<string, unknown>;
      if (v.name === 'basil') {
        expect(sub).not.toHaveProperty('current_period_end');
        expect(invoice).not.toHaveProperty('subscription');
        expect(invoice.parent).toMatchObject({ subscription_details: { subscription: sub.id } });
      } else {
        expect(sub.current_period_end).toEqual(expect.any(Number));
        expect(invoice.subscription).toBe(sub.id);
      }
      expect(sim.state.find(String(sub.id), 'subscription')?.obj.status).toBe('canceled');
    });

    it('all 720 orders with distinct created times', async () => {
      const base = Math.floor(Date.now() / 1000) - 1000;
      expect(await runAll(v, dbs[0]!, ORDERS, closed, (index) => base + index)).toBe(720 * 6);
      await expectFinalState(dbs[0]!, ORDERS, closed, CANCELED);
    }, 120_000);

    it('all 720 orders with one shared created second (ties settled by fetching from Stripe)', async () => {
      const base = Math.floor(Date.now() / 1000) - 1000;
      const before = sim.state.requests.filter((r) => r.method === 'GET').length;
      expect(await runAll(v, dbs[1]!, ORDERS, closed, () => base)).toBe(720 * 6);
      await expectFinalState(dbs[1]!, ORDERS, closed, CANCELED);
      // Ties were settled by asking Stripe, under the connected account and in this version.
      const fetches = sim.state.requests.filter((r) => r.method === 'GET').slice(before);
      expect(fetches.length).toBeGreaterThan(0);
      expect(fetches.every((r) => r.account === account && r.headers['stripe-version'] === v.version)).toBe(true);
    }, 120_000);

    it('all 120 orders of a lifecycle that stays active, with distinct created times', async () => {
      const base = Math.floor(Date.now() / 1000) - 1000;
      expect(await runAll(v, dbs[0]!, OPEN_ORDERS, open, (index) => base + index)).toBe(120 * 5);
      await expectFinalState(dbs[0]!, OPEN_ORDERS, open, ACTIVE);
    }, 120_000);

    it('all 120 orders of a lifecycle that stays active, with one shared created second', async () => {
      const base = Math.floor(Date.now() / 1000) - 1000;
      expect(await runAll(v, dbs[1]!, OPEN_ORDERS, open, () => base)).toBe(120 * 5);
      await expectFinalState(dbs[1]!, OPEN_ORDERS, open, ACTIVE);
    }, 120_000);
  });

  describe('through group commit (the SQL batch, ties handed to the pipeline), every order still ends as Stripe ends', () => {
    it('all 720 orders with distinct created times', async () => {
      const base = Math.floor(Date.now() / 1000) - 1000;
      expect(await runAll(v, dbs[2]!, ORDERS, closed, (index) => base + index, 'batched')).toBe(720 * 6);
      await expectFinalState(dbs[2]!, ORDERS, closed, CANCELED);
    }, 120_000);

    it('all 720 orders with one shared created second', async () => {
      const base = Math.floor(Date.now() / 1000) - 1000;
      expect(await runAll(v, dbs[3]!, ORDERS, closed, () => base, 'batched')).toBe(720 * 6);
      await expectFinalState(dbs[3]!, ORDERS, closed, CANCELED);
    }, 120_000);

    it('all 120 orders of a lifecycle that stays active, distinct and shared seconds', async () => {
      const base = Math.floor(Date.now() / 1000) - 1000;
      expect(await runAll(v, dbs[2]!, OPEN_ORDERS, open, (index) => base + index, 'batched')).toBe(120 * 5);
      await expectFinalState(dbs[2]!, OPEN_ORDERS, open, ACTIVE);
      expect(await runAll(v, dbs[3]!, OPEN_ORDERS, open, () => base, 'batched')).toBe(120 * 5);
      await expectFinalState(dbs[3]!, OPEN_ORDERS, open, ACTIVE);
    }, 120_000);
  });
});
