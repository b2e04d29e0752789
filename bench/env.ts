/** The service's environment in the benchmark: production defaults, test-mode keys, nothing leaves the machine. */

export const CONNECT_WEBHOOK_SECRET = 'whsec_bench_connect_secret_000000000000';
export const PLATFORM_WEBHOOK_SECRET = 'whsec_bench_platform_secret_00000000000';
export const BEARER = 'bench-bearer-token-aaaaaaaaaaaaaaaaaaaa';
export const TENANT = '00000000-0000-0000-0000-000000000000';
export const ACCOUNT = 'acct_1BenchConnected0001';

// Settings the benchmark leaves at their defaults even if the caller's shell sets them.
const DEFAULTED = [
  'LOG_LEVEL',
  'STRIPE_ENTITLEMENT_MEMORY_CACHE',
  'STRIPE_ENTITLEMENT_CACHE_TTL_SECONDS',
  'NSELF_TENANT_ID',
  'POSTGRES_HOST',
  'DATABASE_URL',
];

/** `logLevel` unset: the service's default (info). */
export function serviceEnv(opts: { databaseUrl: string; stripeApiBase: string; port: number; logLevel?: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of DEFAULTED) delete env[name];
  return {
    ...env,
    NODE_ENV: 'production',
    // As the image runs it (Dockerfile): the young generation capped at 16 MB.
    NODE_OPTIONS: '--max-semi-space-size=8',
    DATABASE_URL: opts.databaseUrl,
    STRIPE_API_BASE: opts.stripeApiBase,
    STRIPE_PLATFORM_SECRET_KEY: 'sk_test_51BenchPlatformKey0000000000000',
    STRIPE_PLATFORM_WEBHOOK_SECRET: PLATFORM_WEBHOOK_SECRET,
    STRIPE_CONNECT_WEBHOOK_SECRET: CONNECT_WEBHOOK_SECRET,
    STRIPE_CLIENT_ID: 'ca_BenchClient000000000000000',
    NSELF_CLOUD_BASE_URL: 'http://127.0.0.1:3830',
    NSELF_BEARER_TOKEN: BEARER,
    NSELF_DB_ENCRYPTION_KEY: 'bench-encryption-key-cccccccccccccccc',
    HOST: '127.0.0.1',
    PORT: String(opts.port),
    ...(opts.logLevel ? { LOG_LEVEL: opts.logLevel } : {}),
  };
}
