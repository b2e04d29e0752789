import { BadRequest } from '../http/errors.js';
import { tenantOf } from '../http/tenant.js';
import { rateLimited, type RouteOptions, type ZodApp } from '../http/types.js';
import { createPortalSession } from './portal.js';
import { checkoutBody, idempotencyKeyHeader, portalBody } from './schemas.js';
import { createCheckoutSession } from './session.js';

function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  const parsed = idempotencyKeyHeader.safeParse(Array.isArray(header) ? header[0] : header);
  if (!parsed.success) throw new BadRequest('Idempotency-Key must be 1 to 255 characters', undefined, 'invalid_idempotency_key');
  return parsed.data;
}

export async function checkoutRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  const { ctx, auth } = opts;

  app.post(
    '/checkout',
    {
      onRequest: auth,
      schema: { body: checkoutBody },
      config: rateLimited(ctx),
    },
    async (request) => {
      const tenantId = tenantOf(request, ctx.config.defaultTenantId);
      const idempotencyKey = idempotencyKeyOf(request.headers['idempotency-key']);
      return createCheckoutSession(ctx, tenantId, request.body, idempotencyKey);
    },
  );

  app.post('/portal', { onRequest: auth, schema: { body: portalBody } }, async (request) => {
    const tenantId = tenantOf(request, ctx.config.defaultTenantId);
    return createPortalSession(ctx, tenantId, request.body);
  });
}
