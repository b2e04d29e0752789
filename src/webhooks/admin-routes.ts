import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Conflict, NotFound } from '../http/errors.js';
import type { RouteOptions, ZodApp } from '../http/types.js';
import { tenantScopeOf } from '../http/tenant.js';
import { processEvent } from './pipeline.js';
import { getEvent, listEvents, type StoredEvent } from './record.js';
import { replyFor } from './routes.js';

// PostgreSQL text cannot hold a NUL: control characters are refused here, not by the database (a 500).
const noControl = /^[^\p{Cc}]+$/u;

const listQuery = z.object({
  status: z.enum(['failed', 'processed', 'ignored']).optional(),
  channel: z.enum(['platform', 'connect']).optional(),
  type: z.string().min(1).max(100).regex(noControl, 'must not contain control characters').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  include_payload: z.enum(['true', 'false']).optional(),
});
const eventParams = z.object({ id: z.string().min(1).max(255).regex(noControl, 'must not contain control characters') });

function view(e: StoredEvent) {
  return {
    id: e.event_id,
    tenant_id: e.tenant_id,
    channel: e.channel,
    type: e.type,
    account: e.stripe_account_id,
    livemode: e.livemode,
    created: e.event_created.toISOString(),
    status: e.outcome,
    ignored_reason: e.ignored_reason,
    attempts: e.attempts,
    last_error: e.last_error,
    received_at: e.received_at.toISOString(),
    processed_at: e.processed_at?.toISOString() ?? null,
    updated_at: e.updated_at.toISOString(),
    ...(e.payload !== undefined ? { payload: e.payload } : {}),
  };
}

/** The failed-event view and replay: `GET /events`, `GET /events/:id`, `POST /events/:id/replay` (bearer). */
export async function eventAdminRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  const { ctx } = opts;
  // An explicit X-Tenant-Id or a tenant-bound token narrows the view; else an admin sees every tenant's events.
  const tenantFilter = (request: FastifyRequest): string | undefined =>
    tenantScopeOf(request, ctx.config.defaultTenantId);

  app.get('/events', { onRequest: opts.auth, schema: { querystring: listQuery } }, async (request) => {
    const q = request.query;
    const rows = await listEvents(ctx.pool, {
      outcome: q.status,
      channel: q.channel,
      type: q.type,
      limit: q.limit,
      tenantId: tenantFilter(request),
    });
    const withPayload = q.include_payload === 'true';
    const events = withPayload ? await Promise.all(rows.map((r) => getEvent(ctx.pool, r.event_id))) : rows;
    return { data: events.filter((e): e is StoredEvent => e !== null).map(view) };
  });

  app.get('/events/:id', { onRequest: opts.auth, schema: { params: eventParams } }, async (request) => {
    const event = await getEvent(ctx.pool, request.params.id);
    const tenant = tenantFilter(request);
    if (!event || (tenant !== undefined && event.tenant_id !== tenant)) throw new NotFound(`No event ${request.params.id}`);
    return view(event);
  });

  // Re-runs the stored payload through the same pipeline; a processed event is never applied twice.
  app.post('/events/:id/replay', { onRequest: opts.auth, schema: { params: eventParams } }, async (request) => {
    const event = await getEvent(ctx.pool, request.params.id);
    const tenant = tenantFilter(request);
    if (!event?.payload || (tenant !== undefined && event.tenant_id !== tenant)) throw new NotFound(`No event ${request.params.id}`);
    if (event.outcome === 'processed') throw new Conflict('The event was already processed', { status: 'processed' }, 'already_processed');
    const result = await processEvent(ctx, event.payload, event.channel, { retryable: ['failed', 'ignored'] });
    if (result.kind === 'duplicate') throw new Conflict('The event was processed meanwhile', { status: 'processed' }, 'already_processed');
    replyFor(result);
    const after = await getEvent(ctx.pool, event.event_id);
    return { replayed: true, event: after ? view({ ...after, payload: undefined }) : null };
  });
}
