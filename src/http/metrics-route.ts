import type { RouteOptions, ZodApp } from './types.js';

/** Prometheus exposition: it counts every tenant's traffic, so only an admin token bound to no tenant reads it. */
export async function metricsRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  app.get('/metrics', { onRequest: opts.platformAuth }, async (_request, reply) => {
    const registry = opts.ctx.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
