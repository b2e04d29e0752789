import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, NIL_UUID, secretValues, type Env } from '../src/config.js';
import { TEST_ENV } from './helpers/config.js';

function problemsOf(env: Env): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('accepts a complete test environment and applies the SPEC defaults', () => {
    const c = loadConfig({ ...TEST_ENV, LOG_LEVEL: undefined });
    expect(c.stripe.mode).toBe('test');
    expect(c.stripe.apiVersion).toBe('2024-12-18.acacia');
    expect(c.entitlementTtlSeconds).toBe(3600);
    expect(c.port).toBe(3830);
    expect(c.host).toBe('0.0.0.0');
    expect(c.logLevel).toBe('info');
    expect(c.defaultTenantId).toBe(NIL_UUID);
    expect(c.stripe.apiBase).toBeNull();
    expect(c.stripe.allowedPriceIds).toBeNull();
    expect(c.bearerTokens).toHaveLength(2);
    expect(c.database.url).toBeNull();
  });

  it('names every problem at once', () => {
    const problems = problemsOf({});
    for (const name of [
      'STRIPE_PLATFORM_SECRET_KEY',
      'STRIPE_PLATFORM_WEBHOOK_SECRET',
      'STRIPE_CONNECT_WEBHOOK_SECRET',
      'STRIPE_CLIENT_ID',
      'NSELF_CLOUD_BASE_URL',
      'NSELF_BEARER_TOKEN',
    ]) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    }
    expect(problems.length).toBe(6);
  });

  it('refuses malformed values, each with its own message', () => {
    const problems = problemsOf({
      ...TEST_ENV,
      STRIPE_PLATFORM_SECRET_KEY: 'pk_test_abc',
      STRIPE_PLATFORM_WEBHOOK_SECRET: 'nothex',
      STRIPE_CLIENT_ID: 'client',
      NSELF_CLOUD_BASE_URL: 'ftp://x',
      NSELF_TENANT_ID: 'not-a-uuid',
      STRIPE_ENTITLEMENT_CACHE_TTL_SECONDS: '-5',
      STRIPE_API_VERSION: 'latest',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
    });
    expect(problems).toHaveLength(9);
  });

  it('refuses a webhook secret shared by the platform and Connect channels', () => {
    const problems = problemsOf({
      ...TEST_ENV,
      STRIPE_PLATFORM_WEBHOOK_SECRET: 'whsec_a,whsec_shared',
      STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_shared',
    });
    expect(problems).toEqual(['STRIPE_PLATFORM_WEBHOOK_SECRET and STRIPE_CONNECT_WEBHOOK_SECRET must not share a secret']);
  });

  it('refuses live mode without an encryption key, and allows it with one', () => {
    const live = { ...TEST_ENV, STRIPE_PLATFORM_SECRET_KEY: 'sk_live_abc123', NSELF_DB_ENCRYPTION_KEY: undefined };
    expect(problemsOf(live)).toEqual(['NSELF_DB_ENCRYPTION_KEY is required with a live secret key']);
    expect(loadConfig({ ...live, NSELF_DB_ENCRYPTION_KEY: 'a-long-enough-key-123' }).stripe.mode).toBe('live');
  });

  it('reads secrets from NAME_FILE and refuses NAME together with NAME_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'key');
    writeFileSync(file, 'sk_test_fromfile123\n');
    const env = { ...TEST_ENV, STRIPE_PLATFORM_SECRET_KEY: undefined, STRIPE_PLATFORM_SECRET_KEY_FILE: file };
    expect(loadConfig(env).stripe.secretKey).toBe('sk_test_fromfile123');
    expect(problemsOf({ ...env, STRIPE_PLATFORM_SECRET_KEY: 'sk_test_x' })[0]).toMatch(/both set/);
    expect(problemsOf({ ...env, STRIPE_PLATFORM_SECRET_KEY_FILE: join(dir, 'missing') })[0]).toMatch(/cannot be read/);
  });

  it('splits comma lists for rotation and the price allowlist', () => {
    const c = loadConfig({
      ...TEST_ENV,
      STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_new, whsec_old',
      STRIPE_ALLOWED_PRICE_IDS: 'price_a,price_b',
    });
    expect(c.stripe.connectWebhookSecrets).toEqual(['whsec_new', 'whsec_old']);
    expect(c.stripe.allowedPriceIds).toEqual(['price_a', 'price_b']);
  });

  it('builds the database URL from POSTGRES_* when DATABASE_URL is absent', () => {
    const c = loadConfig({ ...TEST_ENV, POSTGRES_HOST: 'db', POSTGRES_USER: 'u', POSTGRES_PASSWORD: 'p@ss', POSTGRES_DB: 'app' });
    expect(c.database.url).toBe('postgres://u:p%40ss@db:5432/app');
    expect(loadConfig({ ...TEST_ENV, DATABASE_URL: 'postgres://x/y' }).database.url).toBe('postgres://x/y');
  });

  it('derives a state secret from the platform key when none is given', () => {
    const c = loadConfig(TEST_ENV);
    expect(c.stateSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(c.stateSecret).not.toContain(TEST_ENV.STRIPE_PLATFORM_SECRET_KEY);
    expect(loadConfig({ ...TEST_ENV, NSELF_STATE_SECRET: 'explicit-state-secret' }).stateSecret).toBe('explicit-state-secret');
  });

  it('accepts short tokens and keys but names them as weak', () => {
    const c = loadConfig({ ...TEST_ENV, NSELF_BEARER_TOKEN: 'secret', NSELF_DB_ENCRYPTION_KEY: 'key', STRIPE_PLATFORM_SECRET_KEY: 'sk_test_dummy_key' });
    expect(c.bearerTokens).toEqual(['secret']);
    expect(c.stripe.mode).toBe('test');
    expect(c.warnings).toEqual([
      'NSELF_BEARER_TOKEN has an entry shorter than 16 characters',
      'NSELF_DB_ENCRYPTION_KEY is shorter than 16 characters',
    ]);
    expect(loadConfig(TEST_ENV).warnings).toEqual([]);
  });

  it('never puts a secret into the error message', () => {
    const problems = problemsOf({ ...TEST_ENV, STRIPE_PLATFORM_SECRET_KEY: 'sk_wrong_SECRETVALUE', NSELF_CLOUD_BASE_URL: 'nope' });
    const message = new ConfigError(problems).message;
    expect(problems).toHaveLength(2);
    expect(message).toContain('STRIPE_PLATFORM_SECRET_KEY must look like');
    expect(message).not.toContain('SECRETVALUE');
    expect(secretValues(loadConfig(TEST_ENV))).toContain(TEST_ENV.STRIPE_PLATFORM_SECRET_KEY);
  });
});
