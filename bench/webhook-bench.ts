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

/**
 * Starts a side's run right after a checkpoint, as every other side's. A checkpoint makes the
 * next change of each page write the whole page to the WAL; one falling (on its timer) into a
 * single side's run would charge that side alone. With a checkpoint before each, no side runs
 * into the 5-minute timer either. A role that may not (not a superuser nor pg_checkpoint) skips it.
 */
export async function checkpoint(pool: Pool): Promise<void> {
  await pool.query('CHECKPOINT').catch((err: { code?: string }) => {
    if (err.code !== '42501') throw err;
  });
}

function deliveries(prefix: string, count: number): SignedDelivery[] {
  const created = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => signedDelivery(subscriptionEvent(prefix, i, created)));
}

async function post(url: string, path: string, list: SignedDelivery[], connections: number, name: string) {
  let next = 0;
  return runLoad({
    name,
    url,
    connections,
    amount: list.length,
    method: 'POST',
    next: () => {
      const d = list[next++ % list.length]!;
      return { path, body: d.body, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': d.signature } };
    },
  });
}

/**
 * Distinct signed customer.subscription.updated events over HTTP into a webhook endpoint (the
 * service's Connect route, or the peer's), end to end: a warm-up, then the measured events.
 */
export async function ingestOverHttp(target: Child, path: string, prefix: string, s: IngestSettings): Promise<IngestResult> {
  await post(target.url, path, deliveries(`${prefix}w`, s.warmup), s.connections, `${target.name} warm-up`);
  const r = await post(target.url, path, deliveries(prefix, s.events), s.connections, target.name);
  return { name: target.name, events: r.total, seconds: r.durationSec, eventsPerSec: r.requestsPerSec, failures: r.errors + r.non2xx };
}

/** The bare durable transaction straight through pg, in a child process of its own. */
export function ingestBaseline(script: string, databaseUrl: string, prefix: string, s: IngestSettings): Promise<IngestResult> {
  const job = { databaseUrl, poolSize: s.poolSize, concurrency: s.connections, prefix, count: s.events, warmup: s.warmup };
  const child = spawn(process.execPath, [script, JSON.stringify(job)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: { count: number; seconds: number; rows: number } | null = null;
    child.on('message', (m) => (result = m as { count: number; seconds: number; rows: number }));
    child.on('exit', (code) => {
      if (!result) return reject(new Error(`the ingest baseline exited with ${code} and no result`));
      const failures = result.count - result.rows;
      resolve({ name: 'bare transaction', events: result.count, seconds: result.seconds, eventsPerSec: result.count / result.seconds, failures });
    });
  });
}
