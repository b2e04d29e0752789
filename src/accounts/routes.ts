import { z } from 'zod';
import { rateLimited, type RouteOptions, type ZodApp } from '../http/types.js';
import { NotFound } from '../http/errors.js';
import { entityId, entityParams, httpUrl } from '../http/schemas.js';
import { tenantOf } from '../http/tenant.js';
import { handleCallback } from './callback.js';
import { CALLBACK_PAGE_CSP, callbackPage, wantsHtml } from './callback-page.js';
import { disconnectAccount } from './disconnect.js';
import { startOnboarding } from './onboard.js';
import { findAccountByEntity } from './repository.js';
import { accountView } from './view.js';

const onboardBody = z.object({
  entity_id: entityId,
  email: z.string().email().max(254).optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code')
    .transform((c) => c.toUpperCase())
    .optional(),
  return_url: httpUrl.optional(),
  mode: z.enum(['account_link', 'oauth']).default('account_link'),
});

const callbackQuery = z.object({
  state: z.string().min(1).max(4096),
  code: z.string().max(512).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
  scope: z.string().max(256).optional(),
  refresh: z.string().max(16).optional(),
});

export async function accountRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  const { ctx, auth } = opts;

  app.post(
    '/onboard',
    {
      onRequest: auth,
      schema: { body: onboardBody },
      config: rateLimited(ctx),
    },
    async (request) => {
      const body = request.body;
      return startOnboarding(ctx, {
        tenantId: tenantOf(request, ctx.config.defaultTenantId),
        entityId: body.entity_id,
        email: body.email ?? null,
        country: body.country ?? null,
        returnUrl: body.return_url ?? null,
        mode: body.mode,
      });
    },
  );

  // No bearer here (a browser redirect), so the limit is per client IP.
  app.get('/onboard/callback', { schema: { querystring: callbackQuery }, config: rateLimited(ctx) }, async (request, reply) => {
    const outcome = await handleCallback(ctx, request.query);
    if (outcome.kind === 'redirect') return reply.redirect(outcome.location, 302);
    if (!wantsHtml(request)) return outcome.body;
    return reply.type('text/html; charset=utf-8').header('content-security-policy', CALLBACK_PAGE_CSP).send(callbackPage(outcome.body));
  });

  app.get('/account/:entity_id', { onRequest: auth, schema: { params: entityParams } }, async (request) => {
    const tenantId = tenantOf(request, ctx.config.defaultTenantId);
    const row = await findAccountByEntity(ctx.pool, tenantId, request.params.entity_id);
    if (!row) throw new NotFound('No connected account for this entity', { entity_id: request.params.entity_id });
    return accountView(ctx.config, row);
  });

  app.post('/account/:entity_id/disconnect', { onRequest: auth, schema: { params: entityParams } }, async (request) => {
    const tenantId = tenantOf(request, ctx.config.defaultTenantId);
    return accountView(ctx.config, await disconnectAccount(ctx, tenantId, request.params.entity_id));
  });
}
