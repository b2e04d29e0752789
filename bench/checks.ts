import { startSimulator } from '../src/sim/index.js';
import { buildForBench } from './build.js';
import { freePort, startChild } from './children.js';
import { openBenchDatabase } from './database.js';
import { checkRound, seedGrants, WarmWindow, type Target } from './entitlement-bench.js';
import { serviceEnv } from './env.js';

/**
 * `tsx bench/checks.ts [A] [B]`: the warm-check rounds of `npm run bench` between two servers,
 * each `service` (the current code), `bare` (the baseline route) or the path of another build's
 * `src/server.js` or `bench/bare-server.js` (a copy of `.data/bench-build` from before a
 * change): an A/B of a change to the check path, measured as the bench measures. Prints req/s and the server's CPU µs per
 * request of each side, and B ÷ A, per round. `LOG_LEVEL` (info by default), `ROUNDS` (3).
 * A tool for working on this path, not part of `npm run bench`.
 */
const [nameA = 'service', nameB = 'bare'] = process.argv.slice(2);
const level = process.env.LOG_LEVEL ?? 'info';
const rounds = Number(process.env.ROUNDS ?? 3);
const settings = { connections: 64, warmupSec: 2, slices: 5, sliceSec: 2 };

const scripts = buildForBench();
const db = await openBenchDatabase();
const sim = await startSimulator({ port: 0 });
await seedGrants(db.pool);

async function start(name: string): Promise<Target> {
  const env = serviceEnv({ databaseUrl: db.url, stripeApiBase: sim.url, port: await freePort(), logLevel: level === 'info' ? undefined : level });
  const bare = name === 'bare' || name.endsWith('bare-server.js');
  const script = name === 'bare' ? scripts.bare : name === 'service' ? scripts.service : name;
  const child = await startChild({ name, script, env, port: Number(env.PORT), readyPath: bare ? '/health' : '/ready' });
  return { child, routePrefix: bare ? '/bare' : '/entitlement' };
}

const a = await start(nameA);
const b = await start(nameB);
const warm = new WarmWindow(
  [a, b].filter((t) => t.routePrefix === '/entitlement').map((t) => t.child),
  settings,
);
try {
  for (let round = 1; round <= rounds; round++) {
    await warm.beforeRound();
    const r = await checkRound(a, b, round % 2 === 1, settings);
    const side = (name: string, s: { requestsPerSec: number; cpuUsPerRequest: number }) =>
      `${name} ${s.requestsPerSec.toFixed(0)} req/s ${s.cpuUsPerRequest.toFixed(1)} µs CPU/req`;
    process.stdout.write(
      `round ${round} (${level}): ${side(`A ${nameA}`, r.service)}, ${side(`B ${nameB}`, r.bare)}, B ÷ A ${(r.bare.requestsPerSec / r.service.requestsPerSec).toFixed(3)}\n`,
    );
  }
} finally {
  for (const t of [a, b]) await t.child.stop();
  await sim.close();
  await db.close();
}
