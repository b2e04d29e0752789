import { z } from 'zod';
import { MetricsHistory, readTotals } from '../metrics-history.js';
import type { RouteOptions, ZodApp } from './types.js';

const summaryQuery = z.object({ minutes: z.coerce.number().int().min(1).max(60).default(60) }).strict();

/**
 * `GET /metrics/summary`: the last hour of webhook outcomes and billing.can sources in one-minute
 * bars, from the process's own counters (what /metrics exposes). Cross-tenant like /metrics, so
 * only an admin token bound to no tenant reads it.
 */
export async function metricsSummaryRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  const { ctx } = opts;
  const history = new MetricsHistory(() => readTotals(ctx.metrics));
  await history.sample();
  const timer = setInterval(() => {
    history.sample().catch((err: unknown) => ctx.logger.warn({ err }, 'metrics sample failed'));
  }, history.bucketMs);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

  app.get('/metrics/summary', { onRequest: opts.platformAuth, schema: { querystring: summaryQuery } }, async (request) =>
    history.summary(request.query.minutes),
  );
}
