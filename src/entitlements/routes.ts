import { z } from 'zod';
import { onGrantsCommitted } from '../db/committed-grants.js';
import { withTransaction } from '../db/transaction.js';
import { capability, entityId } from '../http/schemas.js';
import { tenantOf } from '../http/tenant.js';
import type { RouteOptions, ZodApp } from '../http/types.js';
import { EntitlementChangeListener } from './change-listener.js';
import { createEntitlementChecker } from './check.js';
import { EntitlementMemoryCache } from './memory-cache.js';
import { putManualGrant, revokeManualGrant } from './manual.js';

/** The cache serves answers only while its listener is connected; it closes with the app. */
async function startMemoryCache(app: ZodApp, ctx: RouteOptions['ctx']): Promise<EntitlementMemoryCache> {
  const cache = new EntitlementMemoryCache();
  const listener = new EntitlementChangeListener(
    ctx.pool,
    {
      onChange: (tenantId, entityId, capability) => cache.invalidate(tenantId, entityId, capability),
      onUnknownChange: () => cache.clear(),
      onStatus: (connected) => cache.setEnabled(connected),
    },
    ctx.logger,
  );
  await listener.start();
  // This process's own writes drop their keys as they commit, before the write is answered.
  const stopHearingCommits = onGrantsCommitted(ctx.pool, (changed) => {
    if (changed === 'all') return cache.clear();
    for (const [tenantId, entityId, capability] of changed) cache.invalidate(tenantId, entityId, capability);
  });
  app.addHook('onClose', async () => {
    stopHearingCommits();
    await listener.close();
  });
  return cache;
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const keyParams = z.object({ entity_id: entityId, capability });

const manualGrantBody = z
  .object({
    quantity: z.number().int().min(1).max(1_000_000).default(1),
    expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
    // PostgreSQL text cannot hold a NUL: refused here rather than failing the INSERT (a 500).
    note: z.string().max(1000).regex(/^[^\u0000]*$/, 'must not contain NUL characters').nullable().optional(),
  })
  .strict();

export async function entitlementRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  const { ctx, auth, checkAuth } = opts;
  const cache = ctx.config.entitlementMemoryCache ? await startMemoryCache(app, ctx) : undefined;
  const checker = createEntitlementChecker(ctx, { cache });

  // Not async: a warm answer is sent at once with the JSON serialized when it was remembered;
  // only a miss goes through the promise (database, maybe Stripe). The one route check tokens may call.
  app.get('/entitlement/:entity_id/:capability', { onRequest: checkAuth, schema: { params: keyParams } }, (request, reply) => {
    const query = {
      tenantId: tenantOf(request, ctx.config.defaultTenantId),
      entityId: request.params.entity_id,
      capability: request.params.capability,
    };
    const warm = checker.remembered(query);
    if (!warm) return checker.check(query);
    reply.type(JSON_CONTENT_TYPE).send(warm.json);
    return undefined;
  });

  app.post(
    '/entitlement/:entity_id/:capability/grant',
    { onRequest: auth, schema: { params: keyParams, body: manualGrantBody.nullish() } },
    async (request, reply) => {
      const tenantId = tenantOf(request, ctx.config.defaultTenantId);
      const body = request.body ?? { quantity: 1 };
      // In a transaction: its commit tells this process's cache what changed (read-your-writes).
      const { grant, created } = await withTransaction(ctx.pool, (tx) =>
        putManualGrant(tx, {
          tenantId,
          entityId: request.params.entity_id,
          capability: request.params.capability,
          quantity: body.quantity,
          expiresAt: body.expires_at ? new Date(body.expires_at) : null,
          note: body.note ?? null,
        }),
      );
      return reply.code(created ? 201 : 200).send(grant);
    },
  );

  app.delete('/entitlement/:entity_id/:capability/grant', { onRequest: auth, schema: { params: keyParams } }, async (request) => {
    const tenantId = tenantOf(request, ctx.config.defaultTenantId);
    return withTransaction(ctx.pool, (tx) => revokeManualGrant(tx, tenantId, request.params.entity_id, request.params.capability));
  });
}
