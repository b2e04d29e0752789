import type { Pool } from '../src/db/pool.js';
import type { Child } from './children.js';
import { signedDelivery, subscriptionEvent, type SignedDelivery } from './events.js';

const COPIES = 3;

export interface StormResult {
  name: string;
  events: number;
  deliveries: number;
  replicas: number;
  seconds: number;
  /** Deliveries not answered 200. */
  failures: number;
  /** What the row-by-row check found wrong (the first few). */
  problems: string[];
  exactlyOnce: boolean;
}

interface Answer {
  status: number;
  duplicate: boolean;
}

async function send(url: string, d: SignedDelivery): Promise<Answer> {
  try {
    const res = await fetch(`${url}/stripe/webhook/connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': d.signature },
      body: d.body,
    });
    const body = (await res.json()) as { duplicate?: boolean };
    return { status: res.status, duplicate: body.duplicate === true };
  } catch {
    return { status: 0, duplicate: false };
  }
}

/**
 * Every event delivered three times, the copies of each within one window of concurrent
 * requests so they race, spread over the replicas (copy c of event e to replica (e + c) mod n).
 * Then, event by event: one delivery answered as the one that applied it and two as
 * duplicates; one event row, processed at the first attempt; one grant, allowing; and no row
 * the storm did not plan.
 */
export async function storm(name: string, replicas: Child[], pool: Pool, prefix: string, events: number, connections: number): Promise<StormResult> {
  const created = Math.floor(Date.now() / 1000);
  const plan: Array<{ event: number; replica: number; delivery: SignedDelivery }> = [];
  const window = Math.max(1, Math.floor(connections / COPIES));
  for (let start = 0; start < events; start += window) {
    const block: typeof plan = [];
    for (let e = start; e < Math.min(start + window, events); e++) {
      const event = subscriptionEvent(prefix, e, created);
      for (let c = 0; c < COPIES; c++) block.push({ event: e, replica: (e + c) % replicas.length, delivery: signedDelivery(event) });
    }
    for (let i = block.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [block[i], block[j]] = [block[j]!, block[i]!];
    }
    plan.push(...block);
  }

  const answers = new Array<Answer>(plan.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < plan.length) {
        const i = next++;
        answers[i] = await send(replicas[plan[i]!.replica]!.url, plan[i]!.delivery);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  const eventId = (e: number) => subscriptionEvent(prefix, e, created).id;
  const { rows: eventRows } = await pool.query<{ event_id: string; outcome: string; attempts: number }>(
    'SELECT event_id, outcome, attempts FROM np_stripe_processed_events WHERE event_id LIKE $1',
    [`evt_${prefix}%`],
  );
  const { rows: grantRows } = await pool.query<{ source_id: string; allowed: boolean }>(
    'SELECT source_id, allowed FROM np_stripe_entitlements WHERE source_id LIKE $1',
    [`sub_${prefix}%`],
  );
  const rowsOf = new Map<string, typeof eventRows>();
  for (const r of eventRows) rowsOf.set(r.event_id, [...(rowsOf.get(r.event_id) ?? []), r]);
  const grantsOf = new Map<string, typeof grantRows>();
  for (const g of grantRows) grantsOf.set(g.source_id, [...(grantsOf.get(g.source_id) ?? []), g]);
  const answersOf = new Map<number, Answer[]>();
  plan.forEach((p, i) => answersOf.set(p.event, [...(answersOf.get(p.event) ?? []), answers[i]!]));

  const problems: string[] = [];
  for (let e = 0; e < events; e++) {
    const id = eventId(e);
    const sub = `sub_${prefix}${String(e).padStart(8, '0')}`;
    const rows = rowsOf.get(id) ?? [];
    const grants = grantsOf.get(sub) ?? [];
    const got = answersOf.get(e) ?? [];
    if (rows.length !== 1 || rows[0]!.outcome !== 'processed' || rows[0]!.attempts !== 1) problems.push(`${id}: event rows ${JSON.stringify(rows)}`);
    if (grants.length !== 1 || !grants[0]!.allowed) problems.push(`${id}: grants ${JSON.stringify(grants)}`);
    const applied = got.filter((a) => a.status === 200 && !a.duplicate).length;
    const duplicates = got.filter((a) => a.status === 200 && a.duplicate).length;
    if (applied !== 1 || duplicates !== COPIES - 1) problems.push(`${id}: answers ${JSON.stringify(got)}`);
  }
  if (eventRows.length !== events) problems.push(`${eventRows.length} event rows for ${events} events`);
  if (grantRows.length !== events) problems.push(`${grantRows.length} grant rows for ${events} events`);
  const failures = answers.filter((a) => a.status !== 200).length;
  return { name, events, deliveries: plan.length, replicas: replicas.length, seconds, failures, problems: problems.slice(0, 5), exactlyOnce: problems.length === 0 && failures === 0 };
}
