import { ConfigError, loadConfig, type Config, type Env } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { pendingMigrations } from './db/migrate.js';
import { createStripeClient } from './stripe/client.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

function configChecks(config: Config): Check[] {
  const s = config.stripe;
  return [
    { name: 'stripe key mode', ok: true, detail: `${s.mode} mode (${s.secretKey.slice(0, 3)}… key)` },
    {
      name: 'webhook secrets',
      ok: true,
      detail: `${s.platformWebhookSecrets.length} platform, ${s.connectWebhookSecrets.length} connect, none shared`,
    },
    {
      name: 'token encryption',
      ok: config.encryptionKey !== null || s.mode === 'test',
      detail: config.encryptionKey ? 'on (OpenPGP, encrypted in the service)' : 'off: OAuth tokens stored unencrypted (test mode only)',
      hint: config.encryptionKey ? undefined : 'set NSELF_DB_ENCRYPTION_KEY (or NSELF_DB_ENCRYPTION_KEY_FILE)',
    },
    {
      name: 'stripe endpoint',
      ok: true,
      detail: s.apiBase ? `STRIPE_API_BASE=${s.apiBase} (simulator or proxy)` : 'api.stripe.com',
    },
  ];
}

async function databaseChecks(config: Config, dev: DevSettings | null): Promise<Check[]> {
  const where = !config.database.url
    ? `embedded PostgreSQL in ${config.database.embeddedDir}, started for this check`
    : dev?.variables.includes('DATABASE_URL')
      ? `the embedded PostgreSQL of npm run dev, pid ${dev.pid}`
      : 'DATABASE_URL / POSTGRES_HOST';
  let db: Database;
  try {
    db = await openDatabase(config.database, { poolSize: 1 });
  } catch (err) {
    return [{ name: 'database', ok: false, detail: `${where}: ${errorText(err)}`, hint: 'set DATABASE_URL, or free NSELF_EMBEDDED_PG_PORT' }];
  }
  try {
    await db.pool.query('SELECT 1');
    const pending = await pendingMigrations(db.pool);
    return [
      { name: 'database', ok: true, detail: `reachable: ${where}` },
      {
        name: 'migrations',
        ok: pending.length === 0,
        detail: pending.length === 0 ? 'current' : `${pending.length} pending: ${pending.map((m) => m.name).join(', ')}`,
        hint: pending.length === 0 ? undefined : 'run `npm run migrate` (the service also migrates at start)',
      },
    ];
  } catch (err) {
    return [{ name: 'database', ok: false, detail: `${where}: ${errorText(err)}`, hint: 'check DATABASE_URL and that PostgreSQL is running' }];
  } finally {
    await db.close();
  }
}

async function stripeCheck(config: Config): Promise<Check> {
  try {
    const account = await createStripeClient(config, { timeoutMs: 5_000, maxNetworkRetries: 0 }).accounts.retrieveCurrent();
    return { name: 'stripe api', ok: true, detail: `platform account ${account.id}` };
  } catch (err) {
    return {
      name: 'stripe api',
      ok: false,
      detail: (err as Error).message.replace(/(sk|rk)_(test|live)_\w+/g, '$1_$2_***'),
      hint: 'check STRIPE_PLATFORM_SECRET_KEY and network access to Stripe (or STRIPE_API_BASE)',
    };
  }
}

/** A running `npm run dev` whose settings filled in what the environment left unset. */
export interface DevSettings {
  pid: number;
  variables: string[];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function settingsCheck(dev: DevSettings | null): Check[] {
  if (!dev || dev.variables.length === 0) return [];
  return [{ name: 'settings', ok: true, detail: `from the running npm run dev (pid ${dev.pid}): ${dev.variables.join(', ')}` }];
}

/** Runs every check; never throws, so the report always names each problem with a fix. */
export async function runDoctor(env: Env = process.env, dev: DevSettings | null = null): Promise<Check[]> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => ({ name: 'configuration', ok: false, detail: p, hint: 'see .env.example' }));
  }
  return [...settingsCheck(dev), ...configChecks(config), ...(await databaseChecks(config, dev)), await stripeCheck(config)];
}

export function formatChecks(checks: Check[]): string {
  return checks
    .map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}${c.hint && !c.ok ? `\n     fix: ${c.hint}` : ''}`)
    .join('\n');
}
