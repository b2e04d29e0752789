import { z } from 'zod';
import { cursorParam, encodeCursor, pageLimit, searchPrefix } from '../http/list-query.js';
import { tenantOf } from '../http/tenant.js';
import type { RouteOptions, ZodApp } from '../http/types.js';
import { accountDashboardUrl } from './dashboard-links.js';
import { ACCOUNT_STATUSES, countAccounts, listAccounts } from './list.js';
import { accountView } from './view.js';

const listQuery = z
  .object({
    status: z.enum(ACCOUNT_STATUSES).optional(),
    requirements: z.enum(['due', 'none']).optional(),
    entity_id: searchPrefix.optional(),
    limit: pageLimit,
    cursor: cursorParam(1).optional(),
  })
  .strict();

/** `GET /accounts`: the tenant's connected accounts, a page at a time, with the tenant's counts by status. */
export async function accountListRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  const { ctx } = opts;

  app.get('/accounts', { onRequest: opts.auth, schema: { querystring: listQuery } }, async (request) => {
    const q = request.query;
    const tenantId = tenantOf(request, ctx.config.defaultTenantId);
    const [page, counts] = await Promise.all([
      listAccounts(ctx.pool, {
        tenantId,
        status: q.status,
        requirements: q.requirements,
        entityPrefix: q.entity_id,
        after: q.cursor?.[0],
        limit: q.limit,
      }),
      countAccounts(ctx.pool, tenantId),
    ]);
    const last = page.rows.at(-1);
    return {
      data: page.rows.map((row) => ({
        ...accountView(ctx.config, row),
        disabled_reason: row.disabled_reason,
        dashboard_url: accountDashboardUrl(ctx.config, row.stripe_account_id),
      })),
      next_cursor: page.more && last ? encodeCursor([last.entity_id]) : null,
      counts,
    };
  });
}
