import type { Pool } from '../src/db/pool.js';
import { MAX_MEMORY_MS } from '../src/entitlements/check.js';
import type { Child } from './children.js';
import { BEARER, TENANT } from './env.js';
import { runLoad } from './load.js';

export const ENTITIES = 10_000;
const CAPABILITY = 'pro';
const AUTH = { authorization: `Bearer ${BEARER}` };

const entity = (i: number) => `ent-${String(i).padStart(5, '0')}`;

/** 10,000 active subscription grants of a connected account, confirmed just now (TTL 3600 s ahead). */
export async function seedGrants(pool: Pool): Promise<void> {
  await pool.query(
    `INSERT INTO np_stripe_entitlements (tenant_id, entity_id, capability, source_type, source_id, status, allowed, quantity,
       current_period_end, stripe_account_id, stripe_customer_id, cached_at, last_event_created)
     SELECT $1, 'ent-' || lpad(i::text, 5, '0'), $2, 'subscription', 'sub_seed' || i, 'active', true, 1,
            now() + interval '30 days', 'acct_1BenchConnected0001', 'cus_seed' || i, now(), now()
       FROM generate_series(0, $3 - 1) AS i`,
    [TENANT, CAPABILITY, ENTITIES],
  );
}

/** Asks for every entity once (16 at a time) so the in-process cache holds them all; checks the answers. */
export async function warmAll(service: Child): Promise<void> {
  let next = 0;
  let denied = 0;
  const worker = async () => {
    while (next < ENTITIES) {
      const res = await fetch(`${service.url}/entitlement/${entity(next++)}/${CAPABILITY}`, { headers: AUTH });
      const body = (await res.json()) as { allowed?: boolean };
      if (res.status !== 200 || body.allowed !== true) denied++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  if (denied > 0) throw new Error(`${denied} warm-up checks did not answer allowed`);
}

/**
 * Warm means every answer in memory for the whole round: the checker re-reads an answer
 * MAX_MEMORY_MS after it stored it, so before a round that would cross that moment this waits
 * for it and warms every service again (the check counters show any re-read that slips in).
 */
export class WarmWindow {
  private start = 0;
  private end = 0;
  private readonly roundMs: number;

  constructor(
    private readonly services: Child[],
    s: CheckRoundSettings,
  ) {
    // Both sides' warm-ups and slices, with room for reading the counters.
    this.roundMs = (2 * s.warmupSec + 2 * s.slices * s.sliceSec + 3) * 1000;
  }

  async beforeRound(): Promise<void> {
    if (this.end !== 0 && Date.now() + this.roundMs <= this.start + MAX_MEMORY_MS) return;
    if (this.end !== 0) await new Promise((r) => setTimeout(r, Math.max(0, this.end + MAX_MEMORY_MS + 500 - Date.now())));
    this.start = Date.now();
    for (const service of this.services) await warmAll(service);
    this.end = Date.now();
  }
}

/** The service's check counters by source, from its own /metrics. */
export async function checksBySource(service: Child): Promise<Record<string, number>> {
  const text = await (await fetch(`${service.url}/metrics`, { headers: AUTH })).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^nself_stripe_entitlement_checks_total\{([^}]*)\} (\d+)/gm)) {
    const source = /source="([^"]+)"/.exec(m[1]!)?.[1] ?? 'unknown';
    out[source] = (out[source] ?? 0) + Number(m[2]);
  }
  return out;
}

export interface CheckRoundSettings {
  connections: number;
  warmupSec: number;
  /** Each side runs this many slices, alternating with the other, so drifting load elsewhere on the machine hits both alike. */
  slices: number;
  sliceSec: number;
}

export interface SideResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  seconds: number;
  non2xx: number;
  errors: number;
  /** The server process's CPU time (user + system) per answered request. */
  cpuUsPerRequest: number;
}

export interface Target {
  child: Child;
  routePrefix: string;
}

/** A check of a random entity, the load of every round. */
const randomCheck = (routePrefix: string) => () => ({ path: `${routePrefix}/${entity(Math.floor(Math.random() * ENTITIES))}/${CAPABILITY}` });

/** The rounds' load on one service for `sec` seconds, measuring nothing: what its memory must take. */
export async function checkLoad(service: Child, connections: number, sec: number): Promise<void> {
  await runLoad({ name: `${service.name} check load`, url: service.url, connections, headers: AUTH, durationSec: sec, next: randomCheck('/entitlement') });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

class Side {
  private latencies: number[] = [];
  private total = 0;
  private seconds = 0;
  private non2xx = 0;
  private errors = 0;
  private cpu = 0;

  constructor(
    readonly name: string,
    private readonly target: Target,
    private readonly connections: number,
  ) {}

  private options() {
    return { name: this.name, url: this.target.child.url, connections: this.connections, headers: AUTH, next: randomCheck(this.target.routePrefix) };
  }

  async warmup(sec: number): Promise<void> {
    await runLoad({ ...this.options(), durationSec: sec });
  }

  async slice(sec: number): Promise<void> {
    const cpuBefore = this.target.child.cpuSeconds();
    const r = await runLoad({ ...this.options(), durationSec: sec, onResponse: (ms) => this.latencies.push(ms) });
    this.cpu += this.target.child.cpuSeconds() - cpuBefore;
    this.total += r.total;
    this.seconds += r.durationSec;
    this.non2xx += r.non2xx;
    this.errors += r.errors;
  }

  result(): SideResult {
    const sorted = Float64Array.from(this.latencies).sort();
    return {
      requestsPerSec: this.total / this.seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      total: this.total,
      seconds: this.seconds,
      non2xx: this.non2xx,
      errors: this.errors,
      cpuUsPerRequest: (this.cpu * 1e6) / Math.max(this.total, 1),
    };
  }
}

/**
 * One round: a 2 s unrecorded warm-up of each, then `slices` alternating slices of each
 * (the order flips with `serviceFirst`); a random entity per request. Percentiles are over
 * every response of the round.
 */
export async function checkRound(
  service: Target,
  bare: Target,
  serviceFirst: boolean,
  s: CheckRoundSettings,
): Promise<{ service: SideResult; bare: SideResult }> {
  const sides = { service: new Side('service', service, s.connections), bare: new Side('bare', bare, s.connections) };
  const order = serviceFirst ? [sides.service, sides.bare] : [sides.bare, sides.service];
  for (const side of order) await side.warmup(s.warmupSec);
  for (let i = 0; i < s.slices; i++) for (const side of order) await side.slice(s.sliceSec);
  return { service: sides.service.result(), bare: sides.bare.result() };
}
