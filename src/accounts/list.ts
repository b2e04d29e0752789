import type { Queryable } from '../db/pool.js';
import { likePrefix } from '../http/list-query.js';
import type { AccountRow } from './repository.js';
import type { AccountStatus } from './status.js';

export const ACCOUNT_STATUSES = ['pending', 'onboarding', 'restricted', 'active', 'deauthorized'] as const satisfies readonly AccountStatus[];

// The AccountRow columns (repository.ts): never the token columns.
const COLUMNS = `id, tenant_id, entity_id, stripe_account_id, connected_via, status, email, country,
  details_submitted, charges_enabled, payouts_enabled, requirements_due, disabled_reason, requirements_deadline, livemode,
  last_event_created, deauthorized_at, created_at, updated_at`;

export interface AccountFilter {
  tenantId: string;
  status?: AccountStatus;
  /** 'due': Stripe still requires something; 'none': nothing due. */
  requirements?: 'due' | 'none';
  entityPrefix?: string;
  /** The entity id of the previous page's last row. */
  after?: string;
  limit: number;
}

/** One page of a tenant's connected accounts in entity id order; one row more tells whether another page follows. */
export async function listAccounts(q: Queryable, f: AccountFilter): Promise<{ rows: AccountRow[]; more: boolean }> {
  const { rows } = await q.query<AccountRow>(
    `SELECT ${COLUMNS} FROM np_stripe_accounts
      WHERE tenant_id = $1
        AND ($2::text IS NULL OR status = $2)
        AND ($3::text IS NULL OR (cardinality(requirements_due) > 0) = ($3 = 'due'))
        AND ($4::text IS NULL OR entity_id LIKE $4)
        AND ($5::text IS NULL OR entity_id > $5)
      ORDER BY entity_id LIMIT $6`,
    [f.tenantId, f.status ?? null, f.requirements ?? null, f.entityPrefix ? likePrefix(f.entityPrefix) : null, f.after ?? null, f.limit + 1],
  );
  return { rows: rows.slice(0, f.limit), more: rows.length > f.limit };
}

export interface AccountCounts {
  by_status: Record<AccountStatus, number>;
  requirements_due: number;
}

/** Counts over the whole tenant, whatever the page's filters: the overview's numbers. */
export async function countAccounts(q: Queryable, tenantId: string): Promise<AccountCounts> {
  const { rows } = await q.query<{ status: AccountStatus; n: number; due: number }>(
    `SELECT status, count(*)::int AS n, count(*) FILTER (WHERE cardinality(requirements_due) > 0)::int AS due
       FROM np_stripe_accounts WHERE tenant_id = $1 GROUP BY status`,
    [tenantId],
  );
  const byStatus = Object.fromEntries(ACCOUNT_STATUSES.map((s) => [s, 0])) as Record<AccountStatus, number>;
  for (const r of rows) byStatus[r.status] = r.n;
  return { by_status: byStatus, requirements_due: rows.reduce((sum, r) => sum + r.due, 0) };
}
