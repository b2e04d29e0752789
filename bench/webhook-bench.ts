import { spawn } from 'node:child_process';
import type { Pool } from '../src/db/pool.js';
import { ROOT, type Child } from './children.js';
import { ACCOUNT, TENANT } from './env.js';
import { signedDelivery, subscriptionEvent, type SignedDelivery } from './events.js';
import { runLoad } from './load.js';

export interface IngestSettings {
  connections: number;
  poolSize: number;
  events: number;
  warmup: number;
}

export interface IngestResult {
  name: string;
  events: number;
  seconds: number;
  eventsPerSec: number;
  failures: number;
}

/** The connected account the events come from, known to the service (its tenant). */
export async function seedAccount(pool: Pool): Promise<void> {
  await pool.query(
    `INSERT INTO np_stripe_accounts (tenant_id, entity_id, stripe_account_id, connected_via, status, details_submitted,
       charges_enabled, payouts_enabled)
     VALUES ($1, 'bench-seller', $2, 'account_link', 'active', true, true, true)`,
    [TENANT, ACCOUNT],
  );
}

function deliveries(prefix: string, count: number): SignedDelivery[] {
  const created = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => signedDelivery(subscriptionEvent(prefix, i, created)));
}

async function post(service: Child, list: SignedDelivery[], connections: number, name: string) {
  let next = 0;
  return runLoad({
    name,
    url: service.url,
    connections,
    amount: list.length,
    method: 'POST',
    next: () => {
      const d = list[next++ % list.length]!;
      return {
        path: '/stripe/webhook/connect',
        body: d.body,
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': d.signature },
      };
    },
  });
}

/** Distinct events over HTTP into the service, end to end (verify, record, apply, commit). */
export async function ingestService(service: Child, prefix: string, s: IngestSettings): Promise<IngestResult> {
  await post(service, deliveries(`${prefix}w`, s.warmup), s.connections, 'ingest warm-up');
  const r = await post(service, deliveries(prefix, s.events), s.connections, 'ingest');
  return { name: 'service', events: r.total, seconds: r.durationSec, eventsPerSec: r.requestsPerSec, failures: r.errors + r.non2xx };
}

/** The same transactions straight through pg, in a child process of its own. */
export function ingestBaseline(script: string, databaseUrl: string, prefix: string, s: IngestSettings): Promise<IngestResult> {
  const job = { databaseUrl, poolSize: s.poolSize, concurrency: s.connections, prefix, count: s.events, warmup: s.warmup };
  const child = spawn(process.execPath, [script, JSON.stringify(job)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: { count: number; seconds: number } | null = null;
    child.on('message', (m) => (result = m as { count: number; seconds: number }));
    child.on('exit', (code) => {
      if (!result) return reject(new Error(`the ingest baseline exited with ${code} and no result`));
      resolve({ name: 'pg baseline', events: result.count, seconds: result.seconds, eventsPerSec: result.count / result.seconds, failures: 0 });
    });
  });
}

export interface StormResult {
  events: number;
  deliveries: number;
  failures: number;
  seconds: number;
  eventRows: number;
  processedRows: number;
  maxAttempts: number;
  grantRows: number;
  exactlyOnce: boolean;
}

/**
 * Every event delivered 3×, the copies of each within a window of concurrent requests so
 * they race; afterwards, exactly one event row (one attempt) and one grant per event.
 */
export async function duplicateStorm(service: Child, pool: Pool, prefix: string, events: number, connections: number): Promise<StormResult> {
  const created = Math.floor(Date.now() / 1000);
  const list: SignedDelivery[] = [];
  const window = connections;
  for (let start = 0; start < events; start += window / 2) {
    const block: SignedDelivery[] = [];
    for (let i = start; i < Math.min(start + window / 2, events); i++) {
      const event = subscriptionEvent(prefix, i, created);
      for (let copy = 0; copy < 3; copy++) block.push(signedDelivery(event));
    }
    for (let i = block.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [block[i], block[j]] = [block[j]!, block[i]!];
    }
    list.push(...block);
  }
  const r = await post(service, list, connections, 'duplicate storm');
  const { rows: ev } = await pool.query<{ n: number; processed: number; max_attempts: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE outcome = 'processed')::int AS processed, coalesce(max(attempts), 0)::int AS max_attempts
       FROM np_stripe_processed_events WHERE event_id LIKE $1`,
    [`evt_${prefix}%`],
  );
  const { rows: gr } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM np_stripe_entitlements WHERE source_id LIKE $1`,
    [`sub_${prefix}%`],
  );
  const e = ev[0]!;
  const grants = gr[0]!.n;
  return {
    events,
    deliveries: list.length,
    failures: r.errors + r.non2xx,
    seconds: r.durationSec,
    eventRows: e.n,
    processedRows: e.processed,
    maxAttempts: e.max_attempts,
    grantRows: grants,
    exactlyOnce: r.errors + r.non2xx === 0 && e.n === events && e.processed === events && e.max_attempts === 1 && grants === events,
  };
}
