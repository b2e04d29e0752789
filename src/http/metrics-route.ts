import type { RouteOptions, ZodApp } from './types.js';

/** Prometheus exposition; behind the bearer like every non-public route (scrapers send it). */
export async function metricsRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  app.get('/metrics', { onRequest: opts.auth }, async (_request, reply) => {
    const registry = opts.ctx.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
