/**
 * Every environment variable the service, `npm run dev` and the simulator read: the one list
 * that .env.example, plugin.json and the README's Configuration table must match (a test
 * compares them, and compares this list with the names the code reads).
 */
export type VariableScope = 'service' | 'development' | 'simulator';

export interface ConfigVariable {
  name: string;
  scope: VariableScope;
  required: boolean;
  /** May be given as NAME_FILE; never logged or answered. */
  secret: boolean;
}

const service = (name: string, opts: { required?: boolean; secret?: boolean } = {}): ConfigVariable => ({
  name,
  scope: 'service',
  required: opts.required ?? false,
  secret: opts.secret ?? false,
});
const development = (name: string): ConfigVariable => ({ name, scope: 'development', required: false, secret: false });
const simulator = (name: string): ConfigVariable => ({ name, scope: 'simulator', required: false, secret: false });

export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  service('STRIPE_PLATFORM_SECRET_KEY', { required: true, secret: true }),
  service('STRIPE_PLATFORM_WEBHOOK_SECRET', { required: true, secret: true }),
  service('STRIPE_CONNECT_WEBHOOK_SECRET', { required: true, secret: true }),
  service('STRIPE_CLIENT_ID', { required: true }),
  service('NSELF_CLOUD_BASE_URL', { required: true }),
  service('NSELF_BEARER_TOKEN', { required: true, secret: true }),
  service('NSELF_CHECK_TOKEN', { secret: true }),
  service('DATABASE_URL', { secret: true }),
  service('POSTGRES_HOST'),
  service('POSTGRES_PORT'),
  service('POSTGRES_DB'),
  service('POSTGRES_USER'),
  service('POSTGRES_PASSWORD', { secret: true }),
  service('NSELF_DB_ENCRYPTION_KEY', { secret: true }),
  service('NSELF_TENANT_ID'),
  service('NSELF_STATE_SECRET', { secret: true }),
  service('STRIPE_ENTITLEMENT_CACHE_TTL_SECONDS'),
  service('STRIPE_ENTITLEMENT_MEMORY_CACHE'),
  service('STRIPE_API_VERSION'),
  service('STRIPE_ALLOWED_PRICE_IDS'),
  service('STRIPE_API_BASE'),
  service('NSELF_RATE_LIMIT_MAX'),
  service('NSELF_RATE_LIMIT_WINDOW_SECONDS'),
  service('NSELF_TRUST_PROXY'),
  service('NSELF_REQUEST_TIMEOUT_SECONDS'),
  service('NSELF_HEADERS_TIMEOUT_SECONDS'),
  service('NSELF_KEEP_ALIVE_TIMEOUT_SECONDS'),
  service('NSELF_MAX_CONNECTIONS'),
  service('PORT'),
  service('HOST'),
  service('LOG_LEVEL'),
  development('NSELF_EMBEDDED_PG_DIR'),
  development('NSELF_EMBEDDED_PG_PORT'),
  simulator('STRIPE_SIM_PORT'),
  simulator('STRIPE_SIM_HOST'),
  simulator('STRIPE_SIM_PUBLIC_URL'),
  simulator('STRIPE_SIM_PLATFORM_WEBHOOK_URL'),
  simulator('STRIPE_SIM_CONNECT_WEBHOOK_URL'),
];

export const SECRET_VARIABLES: readonly string[] = CONFIG_VARIABLES.filter((v) => v.secret).map((v) => v.name);
