import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { serverOptions } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';

// The baseline: the service's Fastify options, logger factory and level, one route
// answering a constant JSON body shaped like an entitlement answer.
const config = loadConfig(process.env);
const app = Fastify(serverOptions(config, createLogger(config.logLevel)));
app.server.maxConnections = config.server.maxConnections;
app.setValidatorCompiler(validatorCompiler);
app.setSerializerCompiler(serializerCompiler);

const BODY = { allowed: true, status: 'active', quantity: 1, cached_at: '2025-01-01T00:00:00.000Z', period_end: '2025-02-01T00:00:00.000Z' };
app.get('/bare/:entity_id/:capability', async () => BODY);
app.get('/health', async () => ({ status: 'ok' }));

// SIGINT too: bench/profile.ts stops its server with it, and --cpu-prof writes on a clean exit.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
await app.listen({ port: config.port, host: config.host });
