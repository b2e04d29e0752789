import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import pg from 'pg';
import { createLogger } from '../../src/logger.js';

/**
 * The benchmark's peer: stripe sync-engine 0.48.5 (installed apart in bench/peer, see its
 * package.json) behind Fastify, the way its own server runs it: the raw body and the
 * Stripe-Signature header go to `processWebhook`, which verifies and upserts. Same logger and
 * level as the service, its own database, its own process. Configured to call Stripe never
 * (no related-entity backfill, no list expansion), so it is measured on the same work as ours.
 */

interface SyncEngine {
  processWebhook(payload: Buffer, signature: string | undefined): Promise<void>;
  close(): Promise<void>;
}
interface SyncEngineModule {
  StripeSync: new (config: Record<string, unknown>) => SyncEngine;
  runMigrations(config: { databaseUrl: string; schema: string }): Promise<void>;
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

// Loaded by path: the package lives in bench/peer/node_modules, which the compiled file cannot find by name.
const engine = (await import(pathToFileURL(env('SYNC_ENGINE_ENTRY')).href)) as SyncEngineModule;
const databaseUrl = env('DATABASE_URL');
await engine.runMigrations({ databaseUrl, schema: 'stripe' });
// runMigrations logs a failure and returns: make sure its tables are there.
const check = new pg.Client({ connectionString: databaseUrl });
await check.connect();
const { rows } = await check.query<{ t: string | null }>(`SELECT to_regclass('stripe.subscriptions')::text AS t`);
await check.end();
if (!rows[0]?.t) throw new Error('stripe sync-engine did not create its tables');
const sync = new engine.StripeSync({
  poolConfig: { connectionString: databaseUrl, max: 10 },
  stripeSecretKey: env('STRIPE_PLATFORM_SECRET_KEY'),
  stripeWebhookSecret: env('STRIPE_CONNECT_WEBHOOK_SECRET'),
  stripeApiVersion: '2024-12-18.acacia',
  backfillRelatedEntities: false,
  autoExpandLists: false,
});

const app = Fastify({ loggerInstance: createLogger(process.env.LOG_LEVEL ?? 'info'), bodyLimit: 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/webhooks', async (request) => {
  const signature = request.headers['stripe-signature'];
  await sync.processWebhook(request.body as Buffer, Array.isArray(signature) ? signature[0] : signature);
  return { received: true };
});
app.get('/health', async () => ({ status: 'ok' }));
app.addHook('onClose', () => sync.close());

process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
await app.listen({ port: Number(env('PORT')), host: '127.0.0.1' });
