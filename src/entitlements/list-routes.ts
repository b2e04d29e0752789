import { z } from 'zod';
import { connectedObjectDashboardUrl } from '../accounts/dashboard-links.js';
import type { Config } from '../config.js';
import { cursorParam, encodeCursor, pageLimit, searchPrefix } from '../http/list-query.js';
import { tenantOf } from '../http/tenant.js';
import type { RouteOptions, ZodApp } from '../http/types.js';
import { grantAllows } from './answer.js';
import type { GrantRow } from './grant-reads.js';
import { SOURCE_TYPES, countGrants, listGrants, type GrantKey } from './list.js';

const listQuery = z
  .object({
    entity_id: searchPrefix.optional(),
    capability: searchPrefix.optional(),
    source_type: z.enum(SOURCE_TYPES).optional(),
    limit: pageLimit,
    cursor: cursorParam(3).optional(),
  })
  .strict();

const grantKey = (k: string[]): GrantKey => [k[0] ?? '', k[1] ?? '', k[2] ?? ''];

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

function dashboardLink(config: Config, row: GrantRow): string | null {
  if (row.source_type === 'manual') return null;
  return connectedObjectDashboardUrl(config, row.stripe_account_id, row.source_type === 'subscription' ? 'subscriptions' : 'payments', row.source_id);
}

/** One grant as the list shows it: `allowed` is what billing.can would count, now. */
function grantView(config: Config, row: GrantRow, now: number) {
  return {
    entity_id: row.entity_id,
    capability: row.capability,
    source_type: row.source_type,
    source_id: row.source_id,
    status: row.status,
    allowed: grantAllows(row, now),
    quantity: row.quantity,
    period_end: iso(row.current_period_end),
    payment_failed: row.payment_failed,
    account_id: row.stripe_account_id,
    customer_id: row.stripe_customer_id,
    account_deauthorized: row.account_deauthorized,
    note: row.note,
    expires_at: iso(row.expires_at),
    revoked_at: iso(row.revoked_at),
    cached_at: row.cached_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    dashboard_url: dashboardLink(config, row),
  };
}

/** `GET /entitlements`: the tenant's grants, searchable by entity or capability prefix and source. */
export async function entitlementListRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  const { ctx } = opts;

  app.get('/entitlements', { onRequest: opts.auth, schema: { querystring: listQuery } }, async (request) => {
    const q = request.query;
    const tenantId = tenantOf(request, ctx.config.defaultTenantId);
    const [page, counts] = await Promise.all([
      listGrants(ctx.pool, {
        tenantId,
        entityPrefix: q.entity_id,
        capabilityPrefix: q.capability,
        sourceType: q.source_type,
        after: q.cursor ? grantKey(q.cursor) : undefined,
        limit: q.limit,
      }),
      countGrants(ctx.pool, tenantId),
    ]);
    const now = Date.now();
    const last = page.rows.at(-1);
    return {
      data: page.rows.map((row) => grantView(ctx.config, row, now)),
      next_cursor: page.more && last ? encodeCursor([last.entity_id, last.capability, last.source_id]) : null,
      counts,
    };
  });
}
