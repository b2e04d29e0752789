import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Env } from './config.js';

/**
 * Loads `.env` from the working directory when there is one. Variables already in the
 * environment win (Node's own loader, no package).
 */
export function loadDotEnv(path = '.env'): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}

export interface DevPorts {
  port: number;
  simPort: number;
}

export function devPorts(env: Env): DevPorts {
  return { port: Number(env.PORT || 3830), simPort: Number(env.STRIPE_SIM_PORT || 12111) };
}

/** What `npm run dev` fills in when unset: test-mode values that reach the simulator. */
export function devDefaults(env: Env): Record<string, string> {
  const { port, simPort } = devPorts(env);
  const local = `http://127.0.0.1:${port}`;
  const defaults: Record<string, string> = {
    STRIPE_PLATFORM_SECRET_KEY: 'sk_test_devplatformkey0000000000',
    STRIPE_PLATFORM_WEBHOOK_SECRET: 'whsec_devplatform000000000000000',
    STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_devconnect0000000000000000',
    STRIPE_CLIENT_ID: 'ca_devclient0000000000000000',
    NSELF_CLOUD_BASE_URL: local,
    NSELF_BEARER_TOKEN: 'dev-token-change-me-0000',
    NSELF_DB_ENCRYPTION_KEY: 'dev-encryption-key-change-me-0000',
    STRIPE_API_BASE: `http://127.0.0.1:${simPort}`,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  // Only what the environment leaves unset (an empty value counts as unset, as in config).
  return Object.fromEntries(Object.entries(defaults).filter(([name]) => !env[name]));
}

/**
 * What a running `npm run dev` tells the CLI: the settings it filled in and the database it
 * started, so `npm run migrate|reconcile|doctor` act on the same service. It lives beside the
 * embedded data directory, which the CLI finds from the same environment.
 */
export interface DevState {
  pid: number;
  serviceUrl: string;
  simUrl: string;
  settings: Record<string, string>;
}

export function devStatePath(env: Env): string {
  return join(dirname(resolve(env.NSELF_EMBEDDED_PG_DIR || '.data/postgres')), 'dev.json');
}

export function writeDevState(env: Env, state: DevState): void {
  const path = devStatePath(env);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file only when this process wrote it: a dev that failed to start leaves a running one's alone. */
export function removeDevState(env: Env): void {
  try {
    const state = JSON.parse(readFileSync(devStatePath(env), 'utf8')) as DevState;
    if (state.pid === process.pid) rmSync(devStatePath(env), { force: true });
  } catch {
    // No file, or not ours to read: nothing to remove.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running dev's state; null when none runs (or it left a stale file behind). */
export function runningDev(env: Env): DevState | null {
  try {
    const state = JSON.parse(readFileSync(devStatePath(env), 'utf8')) as DevState;
    return Number.isInteger(state.pid) && alive(state.pid) ? state : null;
  } catch {
    return null;
  }
}

/**
 * The CLI's environment: `.env`, then a running dev's settings for whatever is still unset.
 * Explicit values always win.
 */
export interface CliEnvironment {
  env: Env;
  dev: DevState | null;
  /** The variables taken from the running dev. */
  fromDev: string[];
}

export function cliEnvironment(): CliEnvironment {
  loadDotEnv();
  return withRunningDev(process.env);
}

/** `base` with a running dev's settings (the dev found from `base`) for what it leaves unset. */
export function withRunningDev(base: Env): CliEnvironment {
  const dev = runningDev(base);
  if (!dev) return { env: base, dev: null, fromDev: [] };
  // A database the environment names is the one to use, even while dev runs on another.
  const configured = Boolean(base.DATABASE_URL || base.POSTGRES_HOST);
  const env: Env = { ...base };
  const fromDev: string[] = [];
  for (const [name, value] of Object.entries(dev.settings)) {
    if (env[name] || (configured && name === 'DATABASE_URL')) continue;
    env[name] = value;
    fromDev.push(name);
  }
  return { env, dev, fromDev };
}
