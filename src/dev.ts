import closeWithGrace from 'close-with-grace';
import pretty from 'pino-pretty';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { handleSignalsOurselves } from './db/embedded.js';
import { startSimulator } from './sim/index.js';
import { walkthrough } from './dev-walkthrough.js';
import { createLogger } from './logger.js';

// Offline development: embedded PostgreSQL + the Stripe simulator + the service, with
// test-mode defaults for anything the environment leaves unset.
const SIM_PORT = Number(process.env.STRIPE_SIM_PORT ?? 12111);
const PORT = Number(process.env.PORT ?? 3830);
const LOCAL = `http://127.0.0.1:${PORT}`;

const DEV_DEFAULTS: Record<string, string> = {
  STRIPE_PLATFORM_SECRET_KEY: 'sk_test_devplatformkey0000000000',
  STRIPE_PLATFORM_WEBHOOK_SECRET: 'whsec_devplatform000000000000000',
  STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_devconnect0000000000000000',
  STRIPE_CLIENT_ID: 'ca_devclient0000000000000000',
  NSELF_CLOUD_BASE_URL: LOCAL,
  NSELF_BEARER_TOKEN: 'dev-token-change-me-0000',
  NSELF_DB_ENCRYPTION_KEY: 'dev-encryption-key-change-me-0000',
  STRIPE_API_BASE: `http://127.0.0.1:${SIM_PORT}`,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
};

const env = { ...DEV_DEFAULTS, ...process.env };
const config = loadConfig(env);

const sim = await startSimulator({
  port: SIM_PORT,
  secretKeys: [config.stripe.secretKey],
  platformWebhookSecret: config.stripe.platformWebhookSecrets[0]!,
  connectWebhookSecret: config.stripe.connectWebhookSecrets[0]!,
  platformWebhookUrl: `${LOCAL}/stripe/webhook/platform`,
  connectWebhookUrl: `${LOCAL}/stripe/webhook/connect`,
  clientId: config.stripe.clientId,
});
// Pretty lines for a person at a terminal; JSON when piped, as in production.
const logger = createLogger(config.logLevel, process.stdout.isTTY ? pretty({ colorize: true }) : undefined);
const app = await buildApp(config, { logger });
handleSignalsOurselves();
closeWithGrace({ delay: 10_000 }, async () => {
  await app.close();
  await sim.close();
});
await app.listen({ port: config.port, host: config.host });
process.stdout.write(walkthrough({ serviceUrl: LOCAL, simUrl: sim.url, token: config.bearerTokens[0]!, secretKey: config.stripe.secretKey }));
