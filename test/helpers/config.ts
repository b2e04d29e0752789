import { loadConfig, type Config, type Env } from '../../src/config.js';

export const TEST_ENV = {
  STRIPE_PLATFORM_SECRET_KEY: 'sk_test_51NselfPlatformKey000000000000',
  STRIPE_PLATFORM_WEBHOOK_SECRET: 'whsec_platform_test_secret_0000000000',
  STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_connect_test_secret_00000000000',
  STRIPE_CLIENT_ID: 'ca_NselfTestClient0000000000',
  NSELF_CLOUD_BASE_URL: 'http://127.0.0.1:3830',
  NSELF_BEARER_TOKEN: 'test-bearer-token-aaaaaaaaaaaaaaaa,test-bearer-token-rotated-bbbbbbbbbbb',
  NSELF_DB_ENCRYPTION_KEY: 'test-encryption-key-cccccccccccccccc',
  LOG_LEVEL: 'silent',
  // Most tests write grants with SQL and read at once; the memory layer has its own tests.
  STRIPE_ENTITLEMENT_MEMORY_CACHE: 'false',
} as const satisfies Env;

export const BEARER = 'test-bearer-token-aaaaaaaaaaaaaaaa';
export const AUTH = { authorization: `Bearer ${BEARER}` };

export function testConfig(overrides: Env = {}): Config {
  return loadConfig({ ...TEST_ENV, ...overrides });
}
