import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, NIL_UUID, secretValues, type Env } from '../src/config.js';
import { TEST_ENV } from './helpers/config.js';

const LIVE = { STRIPE_PLATFORM_SECRET_KEY: 'sk_live_abc123', DATABASE_URL: 'postgres://db/nself', NSELF_DB_ENCRYPTION_KEY: 'a-live-encryption-key-of-32-chars-or-more' };
const LONG_KEY = LIVE.NSELF_DB_ENCRYPTION_KEY;
const LONG_TOKEN = 'a-live-admin-token-aaaaaaaaaaaaaaaaaaaaa';
const TENANT_A = 'aaaaaaaa-0000-4000-8000-00000000000a';

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
    const live = { ...TEST_ENV, ...LIVE, NSELF_DB_ENCRYPTION_KEY: undefined };
    expect(problemsOf(live)).toEqual(['NSELF_DB_ENCRYPTION_KEY is required with a live secret key']);
    expect(loadConfig({ ...live, NSELF_DB_ENCRYPTION_KEY: LONG_KEY }).stripe.mode).toBe('live');
  });

  it('refuses, in live mode, short tokens and keys and the embedded database, all in one message', () => {
    const problems = problemsOf({
      ...TEST_ENV,
      STRIPE_PLATFORM_SECRET_KEY: 'rk_live_restricted123',
      NSELF_BEARER_TOKEN: `${LONG_TOKEN},aaaaaaaa-0000-4000-8000-00000000000a:short-admin`,
      NSELF_CHECK_TOKEN: 'short-check',
      NSELF_DB_ENCRYPTION_KEY: 'a-long-enough-key-123',
    });
    expect(problems).toEqual([
      'NSELF_BEARER_TOKEN entries must be at least 32 characters with a live secret key',
      'NSELF_CHECK_TOKEN entries must be at least 32 characters with a live secret key',
      'NSELF_DB_ENCRYPTION_KEY must be at least 32 characters with a live secret key',
      'DATABASE_URL or POSTGRES_HOST is required with a live secret key (the embedded PostgreSQL is for development)',
    ]);
    expect(new ConfigError(problems).message).not.toContain('short-');
    expect(problemsOf({ ...TEST_ENV, ...LIVE, POSTGRES_HOST: undefined, DATABASE_URL: undefined })).toHaveLength(1);
    const ok = loadConfig({ ...TEST_ENV, ...LIVE, DATABASE_URL: undefined, POSTGRES_HOST: 'db', NSELF_CHECK_TOKEN: LONG_TOKEN.replace('a', 'c') });
    expect(ok.stripe.mode).toBe('live');
    expect(ok.warnings).toEqual([]);
  });

  it('keeps short tokens and keys a warning in test mode, check tokens included', () => {
    const c = loadConfig({ ...TEST_ENV, NSELF_CHECK_TOKEN: 'chk', NSELF_DB_ENCRYPTION_KEY: 'key' });
    expect(c.warnings).toEqual(['NSELF_CHECK_TOKEN has an entry shorter than 16 characters', 'NSELF_DB_ENCRYPTION_KEY is shorter than 16 characters']);
  });

  it('refuses a webhook secret that is only the whsec_ prefix, in any mode', () => {
    expect(problemsOf({ ...TEST_ENV, STRIPE_PLATFORM_WEBHOOK_SECRET: 'whsec_platform_1,whsec_' })).toEqual([
      'STRIPE_PLATFORM_WEBHOOK_SECRET has an entry that is only the whsec_ prefix',
    ]);
    expect(problemsOf({ ...TEST_ENV, ...LIVE, STRIPE_CONNECT_WEBHOOK_SECRET: ' whsec_ ' })).toEqual([
      'STRIPE_CONNECT_WEBHOOK_SECRET has an entry that is only the whsec_ prefix',
    ]);
  });

  it('refuses a list that is set but lists nothing, rather than reading it as none', () => {
    const problems = problemsOf({
      ...TEST_ENV,
      STRIPE_PLATFORM_WEBHOOK_SECRET: ',',
      STRIPE_CONNECT_WEBHOOK_SECRET: ' , ,',
      NSELF_BEARER_TOKEN: ',',
      NSELF_CHECK_TOKEN: ',',
      STRIPE_ALLOWED_PRICE_IDS: ',',
      NSELF_TRUST_PROXY: ',',
    });
    expect(problems).toEqual([
      'STRIPE_PLATFORM_WEBHOOK_SECRET is set but lists nothing',
      'STRIPE_CONNECT_WEBHOOK_SECRET is set but lists nothing',
      'NSELF_BEARER_TOKEN is set but lists nothing',
      'NSELF_CHECK_TOKEN is set but lists nothing',
      'STRIPE_ALLOWED_PRICE_IDS is set but lists nothing',
      'NSELF_TRUST_PROXY is set but lists nothing',
    ]);
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

  it('parses admin and check tokens into principals, binding <tenant-uuid>:<token> entries to their tenant', () => {
    const c = loadConfig({
      ...TEST_ENV,
      NSELF_BEARER_TOKEN: `admin-token-one-xxxxxxxx, ${TENANT_A.toUpperCase()}:bound-admin-token-xxxxx, not-a-uuid:colon-token-xxxxxx`,
      NSELF_CHECK_TOKEN: `check-token-one-xxxxxxxx,${TENANT_A}:bound-check:with-colon`,
    });
    expect(c.apiTokens).toEqual([
      { token: 'admin-token-one-xxxxxxxx', principal: { kind: 'admin', tenantId: null, id: 'admin#0' } },
      { token: 'bound-admin-token-xxxxx', principal: { kind: 'admin', tenantId: TENANT_A, id: 'admin#1' } },
      { token: 'not-a-uuid:colon-token-xxxxxx', principal: { kind: 'admin', tenantId: null, id: 'admin#2' } },
      { token: 'check-token-one-xxxxxxxx', principal: { kind: 'check', tenantId: null, id: 'check#0' } },
      { token: 'bound-check:with-colon', principal: { kind: 'check', tenantId: TENANT_A, id: 'check#1' } },
    ]);
    expect(c.bearerTokens).toEqual(['admin-token-one-xxxxxxxx', 'bound-admin-token-xxxxx', 'not-a-uuid:colon-token-xxxxxx']);
    expect(secretValues(c)).toEqual(expect.arrayContaining(['check-token-one-xxxxxxxx', 'bound-check:with-colon', 'bound-admin-token-xxxxx']));
    expect(loadConfig(TEST_ENV).apiTokens.map((t) => t.principal.kind)).toEqual(['admin', 'admin']);
  });

  it('reads NSELF_CHECK_TOKEN_FILE like every secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'check');
    writeFileSync(file, 'check-token-from-a-file-xxxxxxx\n');
    const c = loadConfig({ ...TEST_ENV, NSELF_CHECK_TOKEN_FILE: file });
    expect(c.apiTokens.at(-1)).toEqual({ token: 'check-token-from-a-file-xxxxxxx', principal: { kind: 'check', tenantId: null, id: 'check#0' } });
  });

  it('refuses token entries that cannot work: a tenant with no token, whitespace, one token twice', () => {
    const problems = problemsOf({
      ...TEST_ENV,
      NSELF_BEARER_TOKEN: `${TENANT_A}:, has space-xxxxxxxxxxxxxxx, same-token-xxxxxxxxxxxx`,
      NSELF_CHECK_TOKEN: `${TENANT_A}:same-token-xxxxxxxxxxxx`,
    });
    expect(problems).toEqual([
      'NSELF_BEARER_TOKEN entry 1 names a tenant but no token',
      'NSELF_BEARER_TOKEN entry 2 contains whitespace',
      'NSELF_BEARER_TOKEN and NSELF_CHECK_TOKEN must not list the same token twice',
    ]);
    expect(new ConfigError(problems).message).not.toContain('same-token');
  });

  it('applies the server defaults: no trusted proxy, 30 s request, 10 s headers, 72 s keep-alive, 1024 connections', () => {
    expect(loadConfig(TEST_ENV).server).toEqual({
      trustProxy: [],
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      maxConnections: 1024,
    });
  });

  it('reads the trusted proxies and server limits, and refuses inconsistent ones', () => {
    const c = loadConfig({
      ...TEST_ENV,
      NSELF_TRUST_PROXY: '10.0.0.1, 10.1.0.0/16, ::1, fd00::/8, loopback',
      NSELF_REQUEST_TIMEOUT_SECONDS: '5',
      NSELF_KEEP_ALIVE_TIMEOUT_SECONDS: '90',
      NSELF_MAX_CONNECTIONS: '64',
    });
    expect(c.server).toEqual({
      trustProxy: ['10.0.0.1', '10.1.0.0/16', '::1', 'fd00::/8', 'loopback'],
      requestTimeoutMs: 5000,
      // A request timeout under 10 s pulls the headers default down with it.
      headersTimeoutMs: 5000,
      keepAliveTimeoutMs: 90_000,
      maxConnections: 64,
    });
    expect(
      problemsOf({
        ...TEST_ENV,
        NSELF_TRUST_PROXY: '10.0.0.1/33',
        NSELF_REQUEST_TIMEOUT_SECONDS: '5',
        NSELF_HEADERS_TIMEOUT_SECONDS: '6',
        NSELF_MAX_CONNECTIONS: '0',
      }),
    ).toEqual([
      'NSELF_TRUST_PROXY entries must be IP addresses or CIDRs (or loopback, linklocal, uniquelocal)',
      'NSELF_HEADERS_TIMEOUT_SECONDS must not exceed NSELF_REQUEST_TIMEOUT_SECONDS',
      'NSELF_MAX_CONNECTIONS must be an integer between 1 and 1000000',
    ]);
    expect(problemsOf({ ...TEST_ENV, NSELF_TRUST_PROXY: 'proxy.internal' })).toHaveLength(1);
  });
});
