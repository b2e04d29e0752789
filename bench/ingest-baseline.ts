import type Stripe from 'stripe';
import { createPool } from '../src/db/pool.js';
import { subscriptionEvent } from './events.js';

/**
 * The ingest baseline, in a child process of its own: the bare durable transaction an event
 * needs at least, straight through pg (issue 9). BEGIN; insert the event row ON CONFLICT DO
 * NOTHING; upsert the grant, guarded by the event time; COMMIT. Tables of its own with no
 * trigger, prepared statements, the payloads serialized before timing; no HTTP, no signature,
 * no logging. The same events, pool and concurrency as the service is measured with.
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

await pool.query(`
  CREATE TABLE IF NOT EXISTS bench_bare_events (
    event_id text PRIMARY KEY, type text NOT NULL, account text, created timestamptz NOT NULL,
    payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE IF NOT EXISTS bench_bare_grants (
    entity_id text NOT NULL, capability text NOT NULL, source_id text NOT NULL, status text NOT NULL,
    allowed boolean NOT NULL, quantity integer NOT NULL, current_period_end timestamptz, stripe_account_id text,
    last_event_created timestamptz, updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity_id, capability, source_id))`);

const INSERT_EVENT = {
  name: 'bare_event',
  text: `INSERT INTO bench_bare_events (event_id, type, account, created, payload) VALUES ($1, $2, $3, to_timestamp($4), $5)
         ON CONFLICT (event_id) DO NOTHING`,
};
const UPSERT_GRANT = {
  name: 'bare_grant',
  text: `INSERT INTO bench_bare_grants AS g (entity_id, capability, source_id, status, allowed, quantity, current_period_end,
           stripe_account_id, last_event_created)
         VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7), $8, to_timestamp($9))
         ON CONFLICT (entity_id, capability, source_id) DO UPDATE SET status = EXCLUDED.status, allowed = EXCLUDED.allowed,
           quantity = EXCLUDED.quantity, current_period_end = EXCLUDED.current_period_end,
           last_event_created = EXCLUDED.last_event_created, updated_at = now()
         WHERE g.last_event_created < EXCLUDED.last_event_created`,
};

interface Prepared {
  event: Stripe.Event;
  payload: string;
}

async function apply({ event, payload }: Prepared): Promise<void> {
  const sub = event.data.object as Stripe.Subscription & { current_period_end: number };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query({ ...INSERT_EVENT, values: [event.id, event.type, event.account, event.created, payload] });
    await client.query({
      ...UPSERT_GRANT,
      values: [sub.metadata.nself_entity_id, 'pro', sub.id, sub.status, sub.status === 'active', sub.items.data[0]?.quantity ?? 1, sub.current_period_end, event.account, event.created],
    });
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function drive(events: Prepared[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < events.length) await apply(events[next++]!);
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
}

const created = Math.floor(Date.now() / 1000);
const prepare = (prefix: string, n: number): Prepared[] =>
  Array.from({ length: n }, (_, i) => {
    const event = subscriptionEvent(prefix, i, created);
    return { event, payload: JSON.stringify(event) };
  });
const warm = prepare(`${job.prefix}w`, job.warmup);
const events = prepare(job.prefix, job.count);
await drive(warm);
const started = process.hrtime.bigint();
await drive(events);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_bare_grants WHERE source_id LIKE $1', [`sub_${job.prefix}0%`]);
await pool.end();
process.send?.({ count: job.count, seconds, rows: rows[0]!.n });
