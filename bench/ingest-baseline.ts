import type Stripe from 'stripe';
import { createPool } from '../src/db/pool.js';
import { withTransaction } from '../src/db/transaction.js';
import { syncGrantsFromSubscription } from '../src/entitlements/grants.js';
import { claimEvent, eventRow, finishEvent } from '../src/webhooks/record.js';
import { resolveEventScope } from '../src/webhooks/scope.js';
import { TENANT } from './env.js';
import { subscriptionEvent } from './events.js';

/**
 * The ingest baseline, in a child process of its own: the very statements the webhook
 * pipeline runs per event (scope, claim, lock + upsert the grant, finish) in one transaction
 * straight through pg, with the service's pool size and the load's concurrency. No HTTP,
 * no signature check, no JSON parse, no logging.
 */
interface Job {
  databaseUrl: string;
  poolSize: number;
  concurrency: number;
  prefix: string;
  count: number;
  warmup: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const pool = createPool(job.databaseUrl, job.poolSize);

async function apply(event: Stripe.Event): Promise<void> {
  await withTransaction(pool, async (tx) => {
    const scope = await resolveEventScope(tx, event, TENANT);
    const row = eventRow(event, 'connect', scope.tenantId);
    if (!(await claimEvent(tx, row))) return;
    const result = await syncGrantsFromSubscription(tx, {
      tenantId: scope.tenantId,
      subscription: event.data.object as Stripe.Subscription,
      accountId: event.account ?? null,
      eventCreated: new Date(event.created * 1000),
      fetched: false,
    });
    await finishEvent(tx, event.id, result.outcome === 'no_metadata' ? 'ignored' : 'processed', null);
  });
}

async function drive(events: Stripe.Event[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < events.length) await apply(events[next++]!);
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
}

const created = Math.floor(Date.now() / 1000);
// Built before timing, like the signed bodies the load generator prepares.
const warm = Array.from({ length: job.warmup }, (_, i) => subscriptionEvent(`${job.prefix}w`, i, created));
const events = Array.from({ length: job.count }, (_, i) => subscriptionEvent(job.prefix, i, created));
await drive(warm);
const started = process.hrtime.bigint();
await drive(events);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await pool.end();
process.send?.({ count: job.count, seconds });
