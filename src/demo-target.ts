import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Env } from './config.js';
import { runningDev, withRunningDev } from './dev-env.js';

/** Where the demo walks through: a service, its simulator, and the credentials for both. */
export interface DemoTarget {
  serviceUrl: string;
  simUrl: string;
  token: string;
  secretKey: string;
  stop(): Promise<void>;
}

const DEV_ENTRY = fileURLToPath(new URL(`./dev${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/**
 * `npm run dev` of its own on free ports and, when no DATABASE_URL is set, a new embedded
 * database under .data/ that goes when the demo ends: nothing it does collides with another
 * run or stays behind.
 */
export async function startOwnDev(): Promise<DemoTarget> {
  const dir = join('.data', `demo-${process.pid}`);
  const env: Env = {
    ...process.env,
    PORT: String(await freePort()),
    STRIPE_SIM_PORT: String(await freePort()),
    NSELF_EMBEDDED_PG_PORT: String(await freePort()),
    NSELF_EMBEDDED_PG_DIR: join(dir, 'pg'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const child = spawn(process.execPath, [...process.execArgv, DEV_ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };

  // Ready once it has written its state file, after the service listens.
  const until = Date.now() + 60_000;
  while (runningDev(env)?.pid !== child.pid) {
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`npm run dev did not start:\n${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const { env: merged, dev } = withRunningDev(env);
  const config = loadConfig(merged);
  return { serviceUrl: dev!.serviceUrl, simUrl: dev!.simUrl, token: config.bearerTokens[0]!, secretKey: config.stripe.secretKey, stop };
}
