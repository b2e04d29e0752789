import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../src/sim/index.js';
import { buildForBench } from './build.js';
import { freePort, startChild, type Child } from './children.js';
import { openBenchDatabase } from './database.js';
import { BEARER, serviceEnv } from './env.js';
import { syncEngineEntry } from './peer.js';
import { storm } from './storm-bench.js';
import { checkpoint, ingestBaseline, ingestOverHttp, seedAccount, type IngestResult } from './webhook-bench.js';

/**
 * `tsx bench/ingest.ts`: the ingest comparison alone (the service against the bare transaction,
 * and sync-engine with INGEST_PEER=1), with the CPU each process spent per event and the WAL
 * the database wrote per event. A tool for
 * working on the ingest path; `npm run bench` is the measurement. INGEST_CPU_PROF=<dir> starts
 * the service with --cpu-prof and prints its functions with the most self time;
 * INGEST_TRACK_FUNCTIONS=1 prints the SQL functions' self time per call; INGEST_STORM=1 ends
 * with the duplicate storm; INGEST_DB_SET="name=value;…" tries database settings; INGEST_LOG_LEVEL
 * starts the service at another level than the default (info).
 */
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const runs = num('INGEST_RUNS', 3);
const ingest = { connections: 20, poolSize: 10, events: num('BENCH_INGEST_EVENTS', 3000), warmup: num('BENCH_INGEST_WARMUP', 1000) };
const profileDir = process.env.INGEST_CPU_PROF;
const log = (line: string) => process.stderr.write(`[ingest] ${line}\n`);

// Busy CPU seconds of the whole machine, from /proc/stat (user, nice, system, irq, softirq, steal).
function machineCpuSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100;
}

// CPU seconds of every postgres process (the backends serve all sides: measured per side).
function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // With cutime and cstime: the postmaster's include the backends that exited (the bare side's).
      total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function measured(name: string, run: () => Promise<IngestResult>, child?: Child) {
  await checkpoint(db.pool);
  const pg0 = postgresCpuSeconds();
  const all0 = machineCpuSeconds();
  const node0 = child?.cpuSeconds() ?? 0;
  const wal0 = await walBytes();
  const r = await run();
  // Warm-up events count too: the CPU readings cover both.
  const events = r.events + ingest.warmup;
  const pgUs = ((postgresCpuSeconds() - pg0) * 1e6) / events;
  const allUs = ((machineCpuSeconds() - all0) * 1e6) / events;
  const nodeUs = child ? ((child.cpuSeconds() - node0) * 1e6) / events : NaN;
  const walKb = (await walBytes()) - wal0;
  log(
    `${name}: ${r.eventsPerSec.toFixed(0)}/s failures ${r.failures}; postgres ${pgUs.toFixed(0)} µs/event, server ${nodeUs.toFixed(0)} µs/event, ` +
      `machine ${allUs.toFixed(0)} µs/event, WAL ${(walKb / events / 1024).toFixed(1)} kB/event`,
  );
  return r;
}

// Bytes of WAL the server wrote so far (its flushes are what a commit waits for).
async function walBytes(): Promise<number> {
  const { rows } = await db.pool.query<{ b: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS b`);
  return Number(rows[0]!.b);
}

let lastTimes = new Map<string, number>();
// Self time per call of the database functions since the last reading (statistics flush within a second).
async function functionTimes(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1500));
  const { rows } = await db.pool.query<{ funcname: string; calls: string; self_time: number }>(
    'SELECT funcname, calls, self_time FROM pg_stat_user_functions ORDER BY self_time DESC',
  );
  const parts: string[] = [];
  for (const r of rows) {
    const before = lastTimes.get(r.funcname) ?? 0;
    const callsBefore = lastTimes.get(`${r.funcname}#calls`) ?? 0;
    const calls = Number(r.calls) - callsBefore;
    if (calls > 0) parts.push(`${r.funcname.replace('np_stripe_', '')} ${(((r.self_time - before) * 1000) / calls).toFixed(0)} µs × ${calls}`);
  }
  lastTimes = new Map(rows.flatMap((r) => [[r.funcname, r.self_time] as [string, number], [`${r.funcname}#calls`, Number(r.calls)] as [string, number]]));
  log(`function self time per call: ${parts.join(', ')}`);
}

const scripts = buildForBench();
const db: Awaited<ReturnType<typeof openBenchDatabase>> = await openBenchDatabase();
const sim = await startSimulator({ port: 0 });
const children: Child[] = [];
try {
  await seedAccount(db.pool);
  const trackFunctions = process.env.INGEST_TRACK_FUNCTIONS === '1';
  // INGEST_DB_SET="name=value;…": database settings to try (for the service's connections).
  for (const setting of (process.env.INGEST_DB_SET ?? '').split(';').filter(Boolean)) {
    const [name, value] = setting.split('=');
    await db.pool.query(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET ${name} = %L', current_database(), '${value}'); END $$`);
  }
  if (trackFunctions) await db.pool.query(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET track_functions = ''all''', current_database()); END $$`);
  const env = serviceEnv({ databaseUrl: db.url, stripeApiBase: sim.url, port: await freePort(), logLevel: process.env.INGEST_LOG_LEVEL });
  if (profileDir) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${profileDir}`.trim();
  if (process.env.INGEST_NODE_OPTIONS) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} ${process.env.INGEST_NODE_OPTIONS}`.trim();
  const service = await startChild({ name: 'service', script: scripts.service, env, port: Number(env.PORT), readyPath: '/ready' });
  children.push(service);
  let peer: Child | null = null;
  if (process.env.INGEST_PEER === '1') {
    const peerEnv: NodeJS.ProcessEnv = {
      ...serviceEnv({ databaseUrl: await db.createEmpty(), stripeApiBase: sim.url, port: await freePort() }),
      SYNC_ENGINE_ENTRY: syncEngineEntry(),
    };
    peer = await startChild({ name: 'sync-engine', script: scripts.peer, env: peerEnv, port: Number(peerEnv.PORT), readyPath: '/health' });
    children.push(peer);
  }
  const ratios: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const s = await measured(`run ${run} service`, () => ingestOverHttp(service, '/stripe/webhook/connect', `i${run}s`, ingest), service);
    const b = await measured(`run ${run} bare`, () => ingestBaseline(scripts.ingestBaseline, db.url, `i${run}b`, ingest));
    if (peer) {
      const p = await measured(`run ${run} sync-engine`, () => ingestOverHttp(peer, '/webhooks', `i${run}p`, ingest), peer);
      log(`run ${run}: service ÷ sync-engine ${(s.eventsPerSec / p.eventsPerSec).toFixed(2)}×`);
    }
    if (trackFunctions) await functionTimes();
    ratios.push(s.eventsPerSec / b.eventsPerSec);
    log(`run ${run}: service ÷ bare ${ratios.at(-1)!.toFixed(2)}×`);
  }
  log(`ratios ${ratios.map((r) => r.toFixed(2)).join(' ')}; peak RSS ${service.peakRssMb().toFixed(0)} MB`);
  if (process.env.INGEST_STORM === '1') {
    const st = await storm('duplicate storm', [service], db.pool, 'dup', num('BENCH_STORM_EVENTS', 2000), ingest.connections);
    log(`duplicate storm: ${(st.deliveries / st.seconds).toFixed(0)} deliveries/s, exactly once: ${st.exactlyOnce} ${st.problems.join('; ')}`);
  }
  // How many events went in batches, and how big those were.
  const metrics = await (await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${BEARER}` } })).text();
  for (const line of metrics.split('\n').filter((l) => /^nself_stripe_webhook_batch_events_(sum|count)|^nself_stripe_webhook_events_total|^nself_stripe_nodejs_heap_size_(total|used)_bytes|^nself_stripe_nodejs_external_memory_bytes|^nself_stripe_process_resident_memory_bytes|^nself_stripe_nodejs_heap_space_size_total_bytes/.test(l))) log(line);
  // A plan gone wrong shows as sequential scans that read many rows.
  const { rows } = await db.pool.query(
    `SELECT relname, seq_scan, seq_tup_read, idx_scan, n_live_tup FROM pg_stat_user_tables WHERE relname LIKE 'np_stripe%' ORDER BY seq_tup_read DESC`,
  );
  for (const r of rows) log(`table ${JSON.stringify(r)}`);
  const indexes = await db.pool.query(
    `SELECT indexrelname, idx_scan, idx_tup_read FROM pg_stat_user_indexes WHERE relname LIKE 'np_stripe%' AND idx_scan > 0 ORDER BY idx_tup_read DESC`,
  );
  for (const r of indexes.rows) log(`index ${JSON.stringify(r)}`);
} finally {
  for (const c of children.reverse()) await c.stop();
  await sim.close();
  await db.close();
}
if (profileDir) printProfile(profileDir);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

function printProfile(dir: string): void {
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().at(-1)!;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const self = new Map<number, number>();
  for (const s of profile.samples) self.set(s, (self.get(s) ?? 0) + 1);
  const byFn = new Map<string, number>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*bench-build\//, '')}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + (self.get(n.id) ?? 0));
  }
  const total = profile.samples.length;
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, num('TOP', 40))) {
    process.stdout.write(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}\n`);
  }
}
