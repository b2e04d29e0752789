import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './children.js';
import type { SideResult } from './entitlement-bench.js';
import { markdownTable } from './load.js';
import type { IngestResult, StormResult } from './webhook-bench.js';

export interface CheckRound {
  round: number;
  order: string;
  service: SideResult;
  bare: SideResult;
  /** Where the service's answers came from during the round (its check counters). */
  serviceSources: { memory: number; db: number; stripe: number; stale: number };
}

export interface IngestRound {
  round: number;
  order: string;
  service: IngestResult;
  baseline: IngestResult;
}

export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; node: string; database: string; logLevel: string; loadAverage1m: { before: number; after: number } };
  settings: Record<string, unknown>;
  checks: CheckRound[];
  ingest: IngestRound[];
  storm: StormResult;
  peakRssMb: number;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[], digits = 0) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
const x = (v: number) => `${v.toFixed(2)}×`;

export function targets(r: BenchReport) {
  const throughput = median(r.checks.map((c) => c.service.requestsPerSec / c.bare.requestsPerSec));
  const p99 = median(r.checks.map((c) => c.service.p99Ms / c.bare.p99Ms));
  const ingest = median(r.ingest.map((i) => i.service.eventsPerSec / i.baseline.eventsPerSec));
  return {
    checkThroughput: { ratio: throughput, met: throughput >= 0.7 },
    checkP99: { ratio: p99, met: p99 <= 2 },
    ingest: { ratio: ingest, met: ingest >= 0.5 },
    storm: { met: r.storm.exactlyOnce },
    memory: { peakRssMb: r.peakRssMb, met: r.peakRssMb < 200 },
  };
}

export function markdown(r: BenchReport): string {
  const t = targets(r);
  const side = (pick: (c: CheckRound) => SideResult) => {
    const runs = r.checks.map(pick);
    const rps = runs.map((l) => l.requestsPerSec);
    const p50 = runs.map((l) => l.p50Ms);
    const p99 = runs.map((l) => l.p99Ms);
    const cpu = runs.map((l) => l.cpuUsPerRequest);
    return [
      median(rps).toFixed(0),
      spread(rps),
      median(p50).toFixed(2),
      spread(p50, 2),
      median(p99).toFixed(2),
      spread(p99, 2),
      median(cpu).toFixed(0),
    ];
  };
  const checks = markdownTable(
    ['Entitlement check (warm, 64 conn.)', 'req/s (median)', 'req/s (spread)', 'p50 ms', 'p50 spread', 'p99 ms', 'p99 spread', 'server CPU µs/req'],
    [
      ['`GET /entitlement/:e/:c` (service)', ...side((c) => c.service)],
      ['bare Fastify route, constant JSON', ...side((c) => c.bare)],
    ],
  );
  const perRound = markdownTable(
    ['Round (order)', 'service req/s', 'bare req/s', 'throughput ratio', 'service p99 ms', 'bare p99 ms', 'p99 ratio', 'service answers from memory'],
    r.checks.map((c) => {
      const answered = c.serviceSources.memory + c.serviceSources.db + c.serviceSources.stripe + c.serviceSources.stale;
      return [
        `${c.round} (${c.order})`,
        c.service.requestsPerSec.toFixed(0),
        c.bare.requestsPerSec.toFixed(0),
        x(c.service.requestsPerSec / c.bare.requestsPerSec),
        c.service.p99Ms.toFixed(2),
        c.bare.p99Ms.toFixed(2),
        x(c.service.p99Ms / c.bare.p99Ms),
        `${((100 * c.serviceSources.memory) / Math.max(answered, 1)).toFixed(2)}% of ${answered}`,
      ];
    }),
  );
  const ingest = markdownTable(
    ['Round (order)', 'service events/s (HTTP, verify, record, apply, commit)', 'pg baseline events/s (same transaction)', 'ratio'],
    r.ingest.map((i) => [
      `${i.round} (${i.order})`,
      i.service.eventsPerSec.toFixed(0),
      i.baseline.eventsPerSec.toFixed(0),
      x(i.service.eventsPerSec / i.baseline.eventsPerSec),
    ]),
  );
  const s = r.storm;
  const storm = markdownTable(
    ['Duplicate storm', 'events', 'deliveries', 'non-2xx / errors', 'event rows', 'processed', 'max attempts', 'grant rows', 'exactly once'],
    [['each event 3×, copies racing', s.events, s.deliveries, s.failures, s.eventRows, s.processedRows, s.maxAttempts, s.grantRows, s.exactlyOnce ? 'yes' : 'NO']],
  );
  const ok = (m: boolean) => (m ? 'met' : '**missed**');
  const summary = markdownTable(
    ['Target', 'Measured', 'Result'],
    [
      ['check throughput ≥ 0.7× bare', x(t.checkThroughput.ratio), ok(t.checkThroughput.met)],
      ['check p99 ≤ 2× bare', x(t.checkP99.ratio), ok(t.checkP99.met)],
      ['ingest ≥ 0.5× pg baseline', x(t.ingest.ratio), ok(t.ingest.met)],
      ['duplicate storm: one effect per event', s.exactlyOnce ? 'yes' : 'no', ok(t.storm.met)],
      ['service peak RSS < 200 MB', `${r.peakRssMb.toFixed(0)} MB`, ok(t.memory.met)],
    ],
  );
  const m = r.machine;
  return [
    `Measured ${r.startedAt} on ${m.cpus} CPUs, Node ${m.node}, PostgreSQL from ${m.database}, LOG_LEVEL=${m.logLevel}; ` +
      `1-min load average ${m.loadAverage1m.before.toFixed(2)} before, ${m.loadAverage1m.after.toFixed(2)} after; ` +
      `each server in its own process (compiled JavaScript, as in production), autocannon in the parent. Ratios are medians over the rounds.`,
    '',
    summary,
    '',
    checks,
    '',
    perRound,
    '',
    ingest,
    '',
    storm,
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
