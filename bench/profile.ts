import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../src/sim/index.js';
import { buildForBench } from './build.js';
import { freePort, ROOT } from './children.js';
import { openBenchDatabase } from './database.js';
import { checkRound, seedGrants, warmAll } from './entitlement-bench.js';
import { serviceEnv } from './env.js';

/**
 * `tsx bench/profile.ts [service|bare]`: runs the warm check load against one server started
 * with --cpu-prof and prints the functions with the most self time, in µs per measured request
 * (PROFILE_LOG_LEVEL: the server's level, info by default). Start-up and the cache warm-up are
 * left out; the round's own short warm-ups are not. The profiler samples wall-clock time, so a
 * process descheduled inside a call is charged to it: compare shares within one profile rather
 * than totals across two. A tool for finding the hot path, not part of `npm run bench`.
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

const which = process.argv[2] === 'bare' ? 'bare' : 'service';
const db = await openBenchDatabase();
const sim = await startSimulator({ port: 0 });
await seedGrants(db.pool);
const dir = mkdtempSync(join(tmpdir(), 'nself-prof-'));
const env = serviceEnv({ databaseUrl: db.url, stripeApiBase: sim.url, port: await freePort(), logLevel: process.env.PROFILE_LOG_LEVEL });
const scripts = buildForBench();
const script = which === 'bare' ? scripts.bare : scripts.service;
const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, script], {
  cwd: ROOT,
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const target = { name: which, process: child, url: `http://127.0.0.1:${env.PORT}`, peakRssMb: () => 0, cpuSeconds: () => 0, stop: async () => undefined };
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(`${target.url}/health`)).ok) break;
  } catch {
    await new Promise((r) => setTimeout(r, 200));
  }
}
if (which === 'service') await warmAll(target);
const route = { child: target, routePrefix: which === 'bare' ? '/bare' : '/entitlement' };
// The same target on both sides: one round is twice the slices against the profiled server.
const sec = Number(process.env.PROFILE_SEC ?? 16);
// V8's sample times and hrtime share the monotonic clock: samples before this moment (start-up, cache warm-up) are left out.
const measuredFromUs = Number(process.hrtime.bigint() / 1000n);
const { service: r, bare: r2 } = await checkRound(route, route, true, { connections: 64, warmupSec: 2, slices: 4, sliceSec: sec / 8 });
process.stderr.write(`${which}: ${r.requestsPerSec.toFixed(0)} req/s p50 ${r.p50Ms} p99 ${r.p99Ms}\n`);
await new Promise<void>((resolve) => {
  child.once('exit', () => resolve());
  child.kill('SIGINT');
});
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
// Self time in µs per node; the sample's time is the delta to the next sample.
const self = new Map<number, number>();
let at = profile.startTime;
profile.samples.forEach((s, i) => {
  at += profile.timeDeltas[i]!;
  if (at >= measuredFromUs) self.set(s, (self.get(s) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
});
const byFn = new Map<string, number>();
for (const n of profile.nodes) {
  const f = n.callFrame;
  const key = `${f.functionName || '(anon)'} ${f.url.replace(/^.*node_modules\//, '').replace(ROOT, '')}:${f.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + (self.get(n.id) ?? 0));
}
// Per measured request (both halves of the round hit this server; the round's warm-ups add a little).
const requests = r.total + r2.total;
const busy = [...byFn].filter(([k]) => !k.startsWith('(idle)')).reduce((sum, [, v]) => sum + v, 0);
process.stdout.write(`${requests} requests; busy ${(busy / requests).toFixed(1)} µs per request\n`);
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 40))) {
  process.stdout.write(`${(v / requests).toFixed(2).padStart(7)} µs  ${k}\n`);
}
process.stdout.write(`profile: ${join(dir, file)} measured from ${measuredFromUs}\n`);
await sim.close();
await db.close();
