import type { FastifyRequest } from 'fastify';
import { AppError } from '../http/errors.js';
import { isDatabaseUnavailable } from '../http/error-handler.js';
import type { RouteOptions, ZodApp } from '../http/types.js';
import { IngestBatcher } from './ingest-batcher.js';
import type { PipelineResult } from './pipeline.js';
import type { Channel } from './types.js';
import { verifyDelivery } from './verify.js';

const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * Maps a pipeline result to Stripe's answer: 2xx stops retries, 5xx asks for them.
 *
 * A signed object that matches none of the shapes we read (src/stripe/objects) fails like any
 * other error: recorded `failed` with the field named, answered 500. Stripe resends the same
 * payload, so a retry alone would fail again; but such an object means our schemas are behind
 * what Stripe sends (an endpoint moved to an API version we do not read yet, a field Stripe
 * changed), and the fix is a deploy. Retries over Stripe's three days let the fixed service
 * apply the event without anyone replaying it; a 200 would drop it for good.
 */
export function replyFor(result: PipelineResult): Record<string, boolean> {
  if (result.kind === 'failed') {
    if (isDatabaseUnavailable(result.cause)) throw result.cause;
    throw new AppError(500, 'event_processing_failed', 'The event could not be applied; it was recorded and Stripe will retry');
  }
  if (result.kind === 'duplicate') return { received: true, duplicate: true };
  if (result.kind === 'ignored') return { received: true, ignored: true };
  return { received: true };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * POST /stripe/webhook/platform and /stripe/webhook/connect. This plugin is encapsulated:
 * its content-type parsers keep every body as raw bytes, so nothing is parsed (and no
 * malformed body can be refused) before the signature is checked.
 */
export async function webhookRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  const { ctx } = opts;
  const batcher = new IngestBatcher(ctx, { onBatch: (events) => ctx.metrics.webhookBatchEvents.observe(events) });
  // Deliveries waiting on a batch are in flight: the pool must outlive them.
  app.addHook('onClose', () => batcher.whenIdle());
  app.removeAllContentTypeParsers();
  const keepRaw = (_req: FastifyRequest, body: Buffer, done: (err: null, body: Buffer) => void) => done(null, body);
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, keepRaw);
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, keepRaw);

  const secrets: Record<Channel, string[]> = {
    platform: ctx.config.stripe.platformWebhookSecrets,
    connect: ctx.config.stripe.connectWebhookSecrets,
  };
  for (const channel of ['platform', 'connect'] as const) {
    app.post(`/stripe/webhook/${channel}`, { bodyLimit: WEBHOOK_BODY_LIMIT, config: { rawBody: true } }, async (request) => {
      const raw = Buffer.isBuffer(request.rawBody) ? request.rawBody : Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const event = verifyDelivery(ctx.stripe, {
        channel,
        raw,
        signature: header(request, 'stripe-signature'),
        stripeAccount: header(request, 'stripe-account'),
        secrets: secrets[channel],
      });
      const timer = ctx.metrics.webhookDuration.startTimer({ channel });
      const result = await batcher.ingest(event, raw.toString('utf8'), channel);
      timer();
      ctx.metrics.webhookEvents.inc({ channel, type: event.type, outcome: result.kind });
      request.logFields = {
        event_id: event.id,
        event_type: event.type,
        stripe_account: event.account ?? null,
        channel,
        outcome: result.kind,
        ...(result.kind === 'ignored' ? { reason: result.reason } : {}),
        ...(result.kind === 'processed' || result.kind === 'ignored' ? { tenant_id: result.tenantId } : {}),
      };
      return replyFor(result);
    });
  }
}
