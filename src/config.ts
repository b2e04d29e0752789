import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { boolSetting, intSetting, nonEmptyList, type Env } from './env-values.js';
import { parseTokenEntries, type AcceptedToken } from './http/principals.js';
import { serverSettings, type ServerSettings } from './http/server-settings.js';
import { SECRET_VARIABLES } from './config-catalog.js';

export type StripeMode = 'test' | 'live';

export interface DatabaseSettings {
  /** A connection string, or null to start the embedded PostgreSQL. */
  url: string | null;
  embeddedDir: string;
  embeddedPort: number;
}

export interface Config {
  stripe: {
    secretKey: string;
    mode: StripeMode;
    platformWebhookSecrets: string[];
    connectWebhookSecrets: string[];
    clientId: string;
    apiVersion: string;
    apiBase: string | null;
    allowedPriceIds: string[] | null;
  };
  cloudBaseUrl: string;
  /** The admin token values of NSELF_BEARER_TOKEN (a tenant prefix removed), in order. */
  bearerTokens: string[];
  /** Every accepted REST token, admin (NSELF_BEARER_TOKEN) and check (NSELF_CHECK_TOKEN), with whom it acts as. */
  apiTokens: AcceptedToken[];
  database: DatabaseSettings;
  encryptionKey: string | null;
  defaultTenantId: string;
  stateSecret: string;
  entitlementTtlSeconds: number;
  /** In-process cache in front of np_stripe_entitlements, invalidated by LISTEN/NOTIFY. */
  entitlementMemoryCache: boolean;
  rateLimit: { max: number; windowMs: number };
  server: ServerSettings;
  port: number;
  host: string;
  logLevel: string;
  /** Accepted but weak settings, logged at startup. */
  warnings: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type { Env, ServerSettings };

// The secrets that may come from NAME_FILE (mounted secrets).
const SECRET_NAMES = SECRET_VARIABLES;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
export const DEFAULT_API_VERSION = '2024-12-18.acacia';
/** The shortest token or encryption key a live key accepts. */
const LIVE_MIN_SECRET = 32;

/** Resolves `NAME_FILE` into `NAME` for every secret, so mounted secrets work like env vars. */
function resolveFileSecrets(env: Env, problems: string[]): Env {
  const out: Env = { ...env };
  for (const name of SECRET_NAMES) {
    const path = env[`${name}_FILE`];
    if (!path) continue;
    if (env[name]) {
      problems.push(`${name} and ${name}_FILE are both set; set only one`);
      continue;
    }
    try {
      out[name] = readFileSync(path, 'utf8').trim();
    } catch {
      problems.push(`${name}_FILE points at a file that cannot be read: ${path}`);
    }
  }
  return out;
}

function keyMode(key: string): StripeMode | null {
  const m = /^(sk|rk)_(test|live)_\w+$/.exec(key);
  return m ? (m[2] as StripeMode) : null;
}

function urlSetting(value: string, name: string, problems: string[]): string {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return value.replace(/\/+$/, '');
  } catch {
    problems.push(`${name} must be an http(s) URL`);
    return value;
  }
}

function databaseSettings(env: Env): DatabaseSettings {
  const embedded = {
    embeddedDir: env.NSELF_EMBEDDED_PG_DIR || '.data/postgres',
    embeddedPort: Number(env.NSELF_EMBEDDED_PG_PORT || 54329),
  };
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, ...embedded };
  if (env.POSTGRES_HOST) {
    const u = new URL('postgres://localhost');
    u.hostname = env.POSTGRES_HOST;
    u.port = env.POSTGRES_PORT || '5432';
    u.username = encodeURIComponent(env.POSTGRES_USER || 'postgres');
    if (env.POSTGRES_PASSWORD) u.password = encodeURIComponent(env.POSTGRES_PASSWORD);
    u.pathname = `/${encodeURIComponent(env.POSTGRES_DB || 'postgres')}`;
    return { url: u.toString(), ...embedded };
  }
  return { url: null, ...embedded };
}

/**
 * The admin (NSELF_BEARER_TOKEN) and check (NSELF_CHECK_TOKEN) tokens. Short ones are refused
 * with a live key and named as weak otherwise (local setups use them).
 */
function tokenSettings(
  env: Env,
  mode: StripeMode | null,
  required: (name: string) => string,
  problems: string[],
  warnings: string[],
): AcceptedToken[] {
  const settings = [
    ['NSELF_BEARER_TOKEN', 'admin', nonEmptyList('NSELF_BEARER_TOKEN', required('NSELF_BEARER_TOKEN'), problems)],
    ['NSELF_CHECK_TOKEN', 'check', nonEmptyList('NSELF_CHECK_TOKEN', env.NSELF_CHECK_TOKEN, problems)],
  ] as const;
  const all: AcceptedToken[] = [];
  for (const [name, kind, entries] of settings) {
    const tokens = parseTokenEntries(name, kind, entries, problems);
    if (mode === 'live' && tokens.some((t) => t.token.length < LIVE_MIN_SECRET)) {
      problems.push(`${name} entries must be at least ${LIVE_MIN_SECRET} characters with a live secret key`);
    } else if (tokens.some((t) => t.token.length < 16)) {
      warnings.push(`${name} has an entry shorter than 16 characters`);
    }
    all.push(...tokens);
  }
  // One token, one principal: a token listed twice could not say which tenant or rights it carries.
  if (new Set(all.map((t) => t.token)).size !== all.length) {
    problems.push('NSELF_BEARER_TOKEN and NSELF_CHECK_TOKEN must not list the same token twice');
  }
  return all;
}

// A derived key keeps state signing working with no extra setting, yet never reuses the API key itself.
function deriveStateSecret(secretKey: string): string {
  return createHmac('sha256', secretKey).update('nself-stripe:onboarding-state').digest('hex');
}

/** Parses and validates the whole environment, collecting every problem before failing. */
export function loadConfig(rawEnv: Env = process.env): Config {
  const problems: string[] = [];
  const env = resolveFileSecrets(rawEnv, problems);
  const required = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) problems.push(`${name} is required`);
    return v ?? '';
  };

  const secretKey = required('STRIPE_PLATFORM_SECRET_KEY');
  const mode = keyMode(secretKey);
  if (secretKey && !mode) problems.push('STRIPE_PLATFORM_SECRET_KEY must look like sk_test_…, sk_live_… or rk_…');

  const platformSecrets = nonEmptyList('STRIPE_PLATFORM_WEBHOOK_SECRET', required('STRIPE_PLATFORM_WEBHOOK_SECRET'), problems);
  const connectSecrets = nonEmptyList('STRIPE_CONNECT_WEBHOOK_SECRET', required('STRIPE_CONNECT_WEBHOOK_SECRET'), problems);
  for (const [name, secrets] of [
    ['STRIPE_PLATFORM_WEBHOOK_SECRET', platformSecrets],
    ['STRIPE_CONNECT_WEBHOOK_SECRET', connectSecrets],
  ] as const) {
    if (secrets.some((s) => !s.startsWith('whsec_'))) problems.push(`${name} entries must start with whsec_`);
    // The bare prefix is a placeholder left in, not a secret: anyone could sign with it.
    if (secrets.some((s) => s === 'whsec_')) problems.push(`${name} has an entry that is only the whsec_ prefix`);
  }
  if (platformSecrets.some((s) => connectSecrets.includes(s))) {
    problems.push('STRIPE_PLATFORM_WEBHOOK_SECRET and STRIPE_CONNECT_WEBHOOK_SECRET must not share a secret');
  }

  const clientId = required('STRIPE_CLIENT_ID');
  if (clientId && !clientId.startsWith('ca_')) problems.push('STRIPE_CLIENT_ID must start with ca_');

  const baseUrlRaw = required('NSELF_CLOUD_BASE_URL');
  const cloudBaseUrl = baseUrlRaw ? urlSetting(baseUrlRaw, 'NSELF_CLOUD_BASE_URL', problems) : '';

  const warnings: string[] = [];
  const apiTokens = tokenSettings(env, mode, required, problems, warnings);

  const encryptionKey = env.NSELF_DB_ENCRYPTION_KEY?.trim() || null;
  const database = databaseSettings(env);
  if (mode === 'live') {
    if (!encryptionKey) problems.push('NSELF_DB_ENCRYPTION_KEY is required with a live secret key');
    else if (encryptionKey.length < LIVE_MIN_SECRET) problems.push(`NSELF_DB_ENCRYPTION_KEY must be at least ${LIVE_MIN_SECRET} characters with a live secret key`);
    if (!database.url) problems.push('DATABASE_URL or POSTGRES_HOST is required with a live secret key (the embedded PostgreSQL is for development)');
  } else if (encryptionKey && encryptionKey.length < 16) {
    warnings.push('NSELF_DB_ENCRYPTION_KEY is shorter than 16 characters');
  }

  const defaultTenantId = env.NSELF_TENANT_ID?.trim() || NIL_UUID;
  if (!UUID.test(defaultTenantId)) problems.push('NSELF_TENANT_ID must be a UUID');

  const apiVersion = env.STRIPE_API_VERSION?.trim() || DEFAULT_API_VERSION;
  if (!/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(apiVersion)) problems.push('STRIPE_API_VERSION must look like 2024-12-18.acacia');

  const apiBaseRaw = env.STRIPE_API_BASE?.trim();
  const apiBase = apiBaseRaw ? urlSetting(apiBaseRaw, 'STRIPE_API_BASE', problems) : null;

  const allowed = nonEmptyList('STRIPE_ALLOWED_PRICE_IDS', env.STRIPE_ALLOWED_PRICE_IDS, problems);
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const config: Config = {
    stripe: {
      secretKey,
      mode: mode ?? 'test',
      platformWebhookSecrets: platformSecrets,
      connectWebhookSecrets: connectSecrets,
      clientId,
      apiVersion,
      apiBase,
      allowedPriceIds: allowed.length > 0 ? allowed : null,
    },
    cloudBaseUrl,
    bearerTokens: apiTokens.filter((t) => t.principal.kind === 'admin').map((t) => t.token),
    apiTokens,
    database,
    encryptionKey,
    defaultTenantId: defaultTenantId.toLowerCase(),
    stateSecret: env.NSELF_STATE_SECRET?.trim() || deriveStateSecret(secretKey),
    entitlementTtlSeconds: intSetting(env, 'STRIPE_ENTITLEMENT_CACHE_TTL_SECONDS', 3600, 0, 31_536_000, problems),
    entitlementMemoryCache: boolSetting(env, 'STRIPE_ENTITLEMENT_MEMORY_CACHE', true, problems),
    rateLimit: {
      max: intSetting(env, 'NSELF_RATE_LIMIT_MAX', 60, 1, 1_000_000, problems),
      windowMs: intSetting(env, 'NSELF_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400, problems) * 1000,
    },
    server: serverSettings(env, problems),
    port: intSetting(env, 'PORT', 3830, 0, 65_535, problems),
    host: env.HOST?.trim() || '0.0.0.0',
    logLevel,
    warnings,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Every secret value of a config, for log redaction checks and scrubbing. */
export function secretValues(config: Config): string[] {
  return [
    config.stripe.secretKey,
    ...config.stripe.platformWebhookSecrets,
    ...config.stripe.connectWebhookSecrets,
    ...config.apiTokens.map((t) => t.token),
    config.encryptionKey ?? '',
    config.stateSecret,
  ].filter((s) => s.length > 0);
}
