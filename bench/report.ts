import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './children.js';
import type { SideResult } from './entitlement-bench.js';
import { markdownTable } from './load.js';
import type { StormResult } from './storm-bench.js';
import type { IngestResult } from './webhook-bench.js';

export interface CheckRound {
  round: number;
  order: string;
  service: SideResult;
  bare: SideResult;
  /** Where the service's answers came from during the round (its check counters). */
  serviceSources: { memory: number; db: number; stripe: number; stale: number };
}

/** One ingest run: the service, the bare transaction and the peer, one after another. */
export interface IngestRun {
  run: number;
  order: string;
  service: IngestResult;
  baseline: IngestResult;
  peer: IngestResult;
}

export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; node: string; database: string; loadAverage1m: { before: number; after: number } };
  settings: Record<string, unknown>;
  /** Warm check rounds by LOG_LEVEL (service and bare route at the same level). */
  checks: Record<string, CheckRound[]>;
  ingest: IngestRun[];
  storms: StormResult[];
  peakRssMb: number;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[], digits = 0) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
const x = (v: number) => `${v.toFixed(2)}×`;
const xs = (vs: number[]) => `${x(median(vs))} (${spread(vs, 2)})`;

const ingestRatios = (r: BenchReport) => ({
  toBaseline: r.ingest.map((i) => i.service.eventsPerSec / i.baseline.eventsPerSec),
  toPeer: r.ingest.map((i) => i.service.eventsPerSec / i.peer.eventsPerSec),
  peerToBaseline: r.ingest.map((i) => i.peer.eventsPerSec / i.baseline.eventsPerSec),
});

export function targets(r: BenchReport) {
  const checks = Object.fromEntries(
    Object.entries(r.checks).map(([level, rounds]) => {
      const throughput = median(rounds.map((c) => c.service.requestsPerSec / c.bare.requestsPerSec));
      const p99 = median(rounds.map((c) => c.service.p99Ms / c.bare.p99Ms));
      return [level, { throughput: { ratio: throughput, met: throughput >= 0.8 }, p99: { ratio: p99, met: p99 <= 2 } }];
    }),
  );
  const ratios = ingestRatios(r);
  const toBaseline = median(ratios.toBaseline);
  const toPeer = median(ratios.toPeer);
  return {
    checks,
    ingestToBaseline: { ratio: toBaseline, met: toBaseline >= 0.75 },
    ingestToPeer: { ratio: toPeer, met: toPeer >= 2 },
    storms: r.storms.map((s) => ({ name: s.name, met: s.exactlyOnce })),
    memory: { peakRssMb: r.peakRssMb, met: r.peakRssMb < 200 },
  };
}

function checkTables(level: string, rounds: CheckRound[]): string[] {
  const side = (pick: (c: CheckRound) => SideResult) => {
    const runs = rounds.map(pick);
    const rps = runs.map((l) => l.requestsPerSec);
    const p99 = runs.map((l) => l.p99Ms);
    return [median(rps).toFixed(0), spread(rps), median(runs.map((l) => l.p50Ms)).toFixed(2), median(p99).toFixed(2), spread(p99, 2), median(runs.map((l) => l.cpuUsPerRequest)).toFixed(0)];
  };
  const summary = markdownTable(
    [`Warm check, LOG_LEVEL=${level} (64 conn.)`, 'req/s (median)', 'req/s (spread)', 'p50 ms', 'p99 ms', 'p99 spread', 'server CPU µs/req'],
    [
      ['`GET /entitlement/:e/:c` (service)', ...side((c) => c.service)],
      ['bare Fastify route, constant JSON', ...side((c) => c.bare)],
    ],
  );
  const perRound = markdownTable(
    ['Round (order)', 'service req/s', 'bare req/s', 'throughput ratio', 'p99 ratio', 'service answers from memory'],
    rounds.map((c) => {
      const answered = c.serviceSources.memory + c.serviceSources.db + c.serviceSources.stripe + c.serviceSources.stale;
      return [
        `${c.round} (${c.order})`,
        c.service.requestsPerSec.toFixed(0),
        c.bare.requestsPerSec.toFixed(0),
        x(c.service.requestsPerSec / c.bare.requestsPerSec),
        x(c.service.p99Ms / c.bare.p99Ms),
        `${((100 * c.serviceSources.memory) / Math.max(answered, 1)).toFixed(2)}% of ${answered}`,
      ];
    }),
  );
  return [summary, '', perRound, ''];
}

export function markdown(r: BenchReport): string {
  const t = targets(r);
  const ratios = ingestRatios(r);
  const ok = (m: boolean) => (m ? 'met' : '**missed**');
  const summary = markdownTable(
    ['Target', 'Measured (median of runs, spread)', 'Result'],
    [
      ['ingest ≥ 0.75× the bare transaction', xs(ratios.toBaseline), ok(t.ingestToBaseline.met)],
      ['ingest ≥ 2× stripe sync-engine 0.48.5', xs(ratios.toPeer), ok(t.ingestToPeer.met)],
      ...Object.entries(t.checks).flatMap(([level, c]) => [
        [`warm check ≥ 0.8× bare route, LOG_LEVEL=${level}`, x(c.throughput.ratio), ok(c.throughput.met)],
        [`warm check p99 ≤ 2× bare route, LOG_LEVEL=${level}`, x(c.p99.ratio), ok(c.p99.met)],
      ]),
      ...r.storms.map((s) => [`${s.name}: exactly once, row by row`, s.exactlyOnce ? 'yes' : `no: ${s.problems.join('; ')}`, ok(s.exactlyOnce)]),
      ['service peak RSS < 200 MB', `${r.peakRssMb.toFixed(0)} MB`, ok(t.memory.met)],
    ],
  );
  const s = r.settings.ingest as { events: number; warmup: number; connections: number; poolSize: number };
  const ingest = markdownTable(
    ['Run (order)', 'service events/s', 'bare transaction events/s', 'sync-engine events/s', 'service ÷ bare', 'service ÷ sync-engine', 'sync-engine ÷ bare'],
    [
      ...r.ingest.map((i, k) => [
        `${i.run} (${i.order})`,
        i.service.eventsPerSec.toFixed(0),
        i.baseline.eventsPerSec.toFixed(0),
        i.peer.eventsPerSec.toFixed(0),
        x(ratios.toBaseline[k]!),
        x(ratios.toPeer[k]!),
        x(ratios.peerToBaseline[k]!),
      ]),
      [
        'median (spread)',
        `${median(r.ingest.map((i) => i.service.eventsPerSec)).toFixed(0)} (${spread(r.ingest.map((i) => i.service.eventsPerSec))})`,
        `${median(r.ingest.map((i) => i.baseline.eventsPerSec)).toFixed(0)} (${spread(r.ingest.map((i) => i.baseline.eventsPerSec))})`,
        `${median(r.ingest.map((i) => i.peer.eventsPerSec)).toFixed(0)} (${spread(r.ingest.map((i) => i.peer.eventsPerSec))})`,
        xs(ratios.toBaseline),
        xs(ratios.toPeer),
        xs(ratios.peerToBaseline),
      ],
    ],
  );
  const storms = markdownTable(
    ['Storm (each event 3×, copies racing)', 'replicas', 'events', 'deliveries', 'deliveries/s', 'non-200', 'exactly once, row by row'],
    r.storms.map((st) => [st.name, st.replicas, st.events, st.deliveries, (st.deliveries / st.seconds).toFixed(0), st.failures, st.exactlyOnce ? 'yes' : 'NO']),
  );
  const m = r.machine;
  return [
    `Measured ${r.startedAt} on ${m.cpus} CPUs, Node ${m.node}, PostgreSQL from ${m.database}; ` +
      `1-min load average ${m.loadAverage1m.before.toFixed(2)} before, ${m.loadAverage1m.after.toFixed(2)} after; ` +
      `each server in its own process (compiled JavaScript, as in production), the load generator in the parent.`,
    '',
    summary,
    '',
    `Ingest: ${s.events} distinct signed \`customer.subscription.updated\` events on the Connect channel, ${s.connections} in flight, ` +
      `after ${s.warmup} warm-up events, per side and run. The service (LOG_LEVEL=info) and stripe sync-engine (behind Fastify, ` +
      `same logger and level, its own empty database) over HTTP; the bare transaction (BEGIN; insert event ON CONFLICT DO NOTHING; ` +
      `upsert grant; COMMIT) straight through pg, pool ${s.poolSize}, ${s.connections} workers. The order rotates between runs.`,
    '',
    ingest,
    '',
    ...Object.entries(r.checks).flatMap(([level, rounds]) => checkTables(level, rounds)),
    storms,
    '',
  ].join('\n');
}

/** bench/results/<timestamp>.json (ignored by git) and bench/results/latest.md (committed). */
export function writeResults(r: BenchReport): { json: string; md: string } {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${r.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(json, `${JSON.stringify({ ...r, targets: targets(r) }, null, 2)}\n`);
  const md = join(dir, 'latest.md');
  writeFileSync(md, `# Latest benchmark\n\n${markdown(r)}`);
  return { json, md };
}
