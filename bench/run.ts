import { cpus, loadavg } from 'node:os';
import { startSimulator } from '../src/sim/index.js';
import { buildForBench } from './build.js';
import { freePort, startChild, type Child } from './children.js';
import { openBenchDatabase } from './database.js';
import { MAX_MEMORY_MS } from '../src/entitlements/check.js';
import { checkRound, checksBySource, seedGrants, warmAll } from './entitlement-bench.js';
import { serviceEnv } from './env.js';
import { markdown, writeResults, type BenchReport, type CheckRound, type IngestRound } from './report.js';
import { duplicateStorm, ingestBaseline, ingestService, seedAccount } from './webhook-bench.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  checkRounds: num('BENCH_CHECK_ROUNDS', 3),
  // 10 s per side and round, in 5 alternating slices of 2 s, after a 2 s warm-up of each.
  checks: { connections: 64, warmupSec: 2, slices: num('BENCH_SLICES', 5), sliceSec: num('BENCH_SLICE_SEC', 2) },
  ingestRounds: num('BENCH_INGEST_ROUNDS', 2),
  ingest: { connections: 32, poolSize: 10, events: num('BENCH_INGEST_EVENTS', 5000), warmup: 300 },
  stormEvents: num('BENCH_STORM_EVENTS', 2000),
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0]!;
  const scripts = buildForBench();
  log('compiled the service and the bench programs');
  const db = await openBenchDatabase();
  const sim = await startSimulator({ port: 0 });
  const children: Child[] = [];
  try {
    await seedGrants(db.pool);
    await seedAccount(db.pool);
    log(`database ready (${db.server}); simulator at ${sim.url}`);

    const env = serviceEnv({ databaseUrl: db.url, stripeApiBase: sim.url, port: await freePort() });
    const service = await startChild({ name: 'service', script: scripts.service, env, port: Number(env.PORT), readyPath: '/ready' });
    children.push(service);
    const bareEnv = { ...env, PORT: String(await freePort()) };
    const bare = await startChild({ name: 'bare', script: scripts.bare, env: bareEnv, port: Number(bareEnv.PORT), readyPath: '/health' });
    children.push(bare);

    const checks: CheckRound[] = [];
    const c = settings.checks;
    const roundMs = (2 * c.warmupSec + 2 * c.slices * c.sliceSec + 3) * 1000;
    let warmed = { start: 0, end: 0 };
    for (let round = 1; round <= settings.checkRounds; round++) {
      // Warm means every answer in memory for the whole round: the checker re-reads an answer
      // MAX_MEMORY_MS after it stored it, so a round that would cross that moment waits for
      // it and warms again (the re-reads are measured by the check counters below).
      if (warmed.end === 0 || Date.now() + roundMs > warmed.start + MAX_MEMORY_MS) {
        if (warmed.end !== 0) await sleep(Math.max(0, warmed.end + MAX_MEMORY_MS + 500 - Date.now()));
        warmed = { start: Date.now(), end: 0 };
        await warmAll(service);
        warmed.end = Date.now();
      }
      const serviceFirst = round % 2 === 1;
      const before = await checksBySource(service);
      const r = await checkRound({ child: service, routePrefix: '/entitlement' }, { child: bare, routePrefix: '/bare' }, serviceFirst, c);
      const after = await checksBySource(service);
      const delta = (source: string) => (after[source] ?? 0) - (before[source] ?? 0);
      const sources = { memory: delta('memory'), db: delta('db'), stripe: delta('stripe'), stale: delta('stale') };
      checks.push({ round, order: serviceFirst ? 'service first' : 'bare first', ...r, serviceSources: sources });
      const s = r.service;
      const b = r.bare;
      log(
        `checks round ${round}: service ${s.requestsPerSec.toFixed(0)} req/s p99 ${s.p99Ms.toFixed(2)} ms ${s.cpuUsPerRequest.toFixed(0)} µs CPU/req ` +
          `(non-2xx ${s.non2xx}, from memory ${sources.memory}, db ${sources.db}), ` +
          `bare ${b.requestsPerSec.toFixed(0)} req/s p99 ${b.p99Ms.toFixed(2)} ms ${b.cpuUsPerRequest.toFixed(0)} µs CPU/req`,
      );
      if (s.non2xx + s.errors > 0) throw new Error(`the service answered ${s.non2xx} non-2xx and ${s.errors} errors under load`);
    }

    const ingest: IngestRound[] = [];
    for (let round = 1; round <= settings.ingestRounds; round++) {
      const serviceFirst = round % 2 === 1;
      const runService = () => ingestService(service, `r${round}s`, settings.ingest);
      const runBaseline = () => ingestBaseline(scripts.ingestBaseline, db.url, `r${round}b`, settings.ingest);
      const first = serviceFirst ? await runService() : await runBaseline();
      const second = serviceFirst ? await runBaseline() : await runService();
      const [s, b] = serviceFirst ? [first, second] : [second, first];
      ingest.push({ round, order: serviceFirst ? 'service first' : 'baseline first', service: s, baseline: b });
      log(`ingest round ${round}: service ${s.eventsPerSec.toFixed(0)} events/s (failures ${s.failures}), baseline ${b.eventsPerSec.toFixed(0)} events/s`);
      if (s.failures > 0) throw new Error(`${s.failures} webhook deliveries failed`);
    }

    const storm = await duplicateStorm(service, db.pool, 'dup', settings.stormEvents, settings.ingest.connections);
    log(`duplicate storm: ${storm.deliveries} deliveries, exactly once: ${storm.exactlyOnce}`);

    const report: BenchReport = {
      startedAt,
      machine: {
        cpus: cpus().length,
        node: process.version,
        database: db.server,
        logLevel: env.LOG_LEVEL ?? 'info (default)',
        loadAverage1m: { before: loadBefore, after: loadavg()[0]! },
      },
      settings,
      checks,
      ingest,
      storm,
      peakRssMb: service.peakRssMb(),
    };
    const text = markdown(report);
    process.stdout.write(`\n${text}\n`);
    const files = writeResults(report);
    log(`wrote ${files.json} and ${files.md}`);
  } finally {
    for (const child of children.reverse()) await child.stop();
    await sim.close();
    await db.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
