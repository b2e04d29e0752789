import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rawBody from 'fastify-raw-body';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase, type Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import type { Pool } from './db/pool.js';
import rateLimit from '@fastify/rate-limit';
import { accountListRoutes } from './accounts/list-routes.js';
import { accountRoutes } from './accounts/routes.js';
import { checkoutRoutes } from './checkout/routes.js';
import { consoleRoutes } from './console/plugin.js';
import { entitlementListRoutes } from './entitlements/list-routes.js';
import { entitlementRoutes } from './entitlements/routes.js';
import { bearerVerifier, requireBearer } from './http/auth.js';
import { AppError, errorBody } from './http/errors.js';
import { eventAdminRoutes } from './webhooks/admin-routes.js';
import { webhookRoutes } from './webhooks/routes.js';
import { closeIdleConnectionsWhileClosing } from './http/drain.js';
import { installErrorHandler } from './http/error-handler.js';
import { healthRoutes } from './http/health.js';
import { metricsRoutes } from './http/metrics-route.js';
import { metricsSummaryRoutes } from './http/metrics-summary-route.js';
import { OneLinePerRequest } from './http/request-log.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { createStripeClient, type StripeClient } from './stripe/client.js';

export interface AppDeps {
  /** An existing pool (tests, replicas); else one is opened from config. */
  pool?: Pool;
  stripe?: StripeClient;
  logger?: Logger;
  /** Skip running migrations at start (the CLI and tests that test migrations). */
  skipMigrations?: boolean;
}

export type App = FastifyInstance & { ctx: AppContext };

/**
 * The Fastify server options of the service (the benchmark's bare baseline uses the same).
 * Socket limits keep a slow or idle client from holding a connection: the whole request must
 * arrive within the request timeout, its headers within the headers timeout.
 */
export function serverOptions(config: Config, logger: Logger) {
  const s = config.server;
  return {
    loggerInstance: logger as FastifyBaseLogger,
    logController: new OneLinePerRequest(logger),
    bodyLimit: 1024 * 1024,
    // X-Forwarded-For is believed only from the configured proxies: else any client picks its IP (and rate-limit bucket).
    trustProxy: s.trustProxy.length > 0 ? s.trustProxy : false,
    requestTimeout: s.requestTimeoutMs,
    keepAliveTimeout: s.keepAliveTimeoutMs,
    // A socket silent this long (a client not reading its answer): the request timeout plus room for the
    // slowest handler (Stripe calls time out at 15 s, with one retry); idle kept-alive ones go sooner.
    connectionTimeout: s.requestTimeoutMs + 120_000,
    http: {
      requestTimeout: s.requestTimeoutMs,
      headersTimeout: s.headersTimeoutMs,
      keepAliveTimeout: s.keepAliveTimeoutMs,
      // Node enforces both timeouts only when it sweeps its connections, every 30 s by default, so a
      // 10 s limit could act after 40 s: sweep at a quarter of the shorter one (headers ≤ request).
      connectionsCheckingInterval: Math.max(100, Math.floor(s.headersTimeoutMs / 4)),
    },
    requestIdHeader: 'x-request-id',
    // Entity ids may hold 255 characters, several times that once percent-encoded; the router's default is 100.
    routerOptions: { maxParamLength: 4096 },
    // The router refuses a malformed %-escape or an over-long parameter before any handler: in our error shape too.
    frameworkErrors: (err: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void reply
        .code(tooLong ? 414 : 400)
        .send(errorBody(tooLong ? 'url_too_long' : 'bad_url', tooLong ? 'A path parameter is too long' : 'The URL is malformed'));
    },
  } as const;
}

/** The composition root: every dependency is built or received here and handed down. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const database = deps.pool
    ? null
    : await openDatabase(config.database, { onEmbeddedLog: (l) => logger.debug({ pg: l.trim() }) });
  try {
    return await composeApp(config, deps, logger, database);
  } catch (err) {
    // A failed start (migration, listener) must not leave the pool or an embedded server running.
    await database?.close().catch(() => undefined);
    throw err;
  }
}

async function composeApp(config: Config, deps: AppDeps, logger: Logger, database: Database | null): Promise<App> {
  const pool = deps.pool ?? database!.pool;
  if (!deps.skipMigrations) {
    const applied = await migrate(pool);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  }
  for (const warning of config.warnings) logger.warn(warning);
  if (!config.encryptionKey) {
    logger.warn('NSELF_DB_ENCRYPTION_KEY is not set: OAuth tokens are stored unencrypted (test mode only)');
  }

  const stripe = deps.stripe ?? createStripeClient(config);
  const metrics = createMetrics(pool);
  stripe.on('response', (event: Stripe.ResponseEvent) => metrics.stripeCalls.inc({ outcome: event.status < 400 ? 'ok' : 'error' }));
  const ctx: AppContext = { config, pool, stripe, logger, metrics };

  const app = Fastify(serverOptions(config, logger)).withTypeProvider<ZodTypeProvider>();
  // Beyond this many open connections Node closes new ones at accept: a flood cannot exhaust the process.
  app.server.maxConnections = config.server.maxConnections;
  app.decorateRequest('principal', null);
  app.decorateRequest('logFields', null);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  await app.register(rawBody, { global: false, encoding: false, runFirst: true });

  // Limits apply per route (onboarding, checkout), keyed by the token's principal (set by the bearer
  // hook, which runs first) and the client IP: not by the raw header, which spaces would vary.
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => `${request.principal?.id ?? 'anonymous'}|${request.ip}`,
    errorResponseBuilder: (_request, context) =>
      new AppError(429, 'rate_limited', `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`),
  });

  const verify = bearerVerifier(config.apiTokens);
  const routeOptions = {
    ctx,
    auth: requireBearer(verify, 'admin'),
    checkAuth: requireBearer(verify, 'check'),
    platformAuth: requireBearer(verify, 'platform'),
  };
  await app.register(healthRoutes, { ctx });
  await app.register(accountRoutes, routeOptions);
  await app.register(accountListRoutes, routeOptions);
  await app.register(checkoutRoutes, routeOptions);
  await app.register(entitlementRoutes, routeOptions);
  await app.register(entitlementListRoutes, routeOptions);
  await app.register(webhookRoutes, routeOptions);
  await app.register(eventAdminRoutes, routeOptions);
  await app.register(metricsRoutes, routeOptions);
  await app.register(metricsSummaryRoutes, routeOptions);
  await app.register(consoleRoutes, routeOptions);

  closeIdleConnectionsWhileClosing(app);
  app.addHook('onClose', async () => {
    await database?.close();
  });
  return Object.assign(app, { ctx }) as unknown as App;
}
