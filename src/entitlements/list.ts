import type { Queryable } from '../db/pool.js';
import { likePrefix } from '../http/list-query.js';
import type { GrantRow } from './grant-reads.js';

export const SOURCE_TYPES = ['subscription', 'payment', 'manual'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

// The GrantRow columns (grant-reads.ts).
const COLUMNS = `id, tenant_id, entity_id, capability, source_type, source_id, status, allowed, quantity,
  current_period_end, payment_failed, stripe_account_id, stripe_customer_id, note, expires_at, cached_at,
  last_event_created, revoked_at, account_deauthorized, created_at, updated_at`;

/** Keyset: (entity, capability, source) is unique within a tenant. */
export type GrantKey = [entityId: string, capability: string, sourceId: string];

export interface GrantFilter {
  tenantId: string;
  entityPrefix?: string;
  capabilityPrefix?: string;
  sourceType?: SourceType;
  after?: GrantKey;
  limit: number;
}

export async function listGrants(q: Queryable, f: GrantFilter): Promise<{ rows: GrantRow[]; more: boolean }> {
  const after = f.after ?? null;
  const { rows } = await q.query<GrantRow>(
    `SELECT ${COLUMNS} FROM np_stripe_entitlements
      WHERE tenant_id = $1
        AND ($2::text IS NULL OR entity_id LIKE $2)
        AND ($3::text IS NULL OR capability LIKE $3)
        AND ($4::text IS NULL OR source_type = $4)
        AND ($5::text IS NULL OR (entity_id, capability, source_id) > ($5, $6, $7))
      ORDER BY entity_id, capability, source_id LIMIT $8`,
    [
      f.tenantId,
      f.entityPrefix ? likePrefix(f.entityPrefix) : null,
      f.capabilityPrefix ? likePrefix(f.capabilityPrefix) : null,
      f.sourceType ?? null,
      after?.[0] ?? null,
      after?.[1] ?? null,
      after?.[2] ?? null,
      f.limit + 1,
    ],
  );
  return { rows: rows.slice(0, f.limit), more: rows.length > f.limit };
}

export interface GrantCounts {
  by_status: Record<string, number>;
  /** Grants that allow right now: the rule of grantAllows (answer.ts), in SQL. */
  allowing: number;
  payment_failed: number;
}

export async function countGrants(q: Queryable, tenantId: string): Promise<GrantCounts> {
  const { rows } = await q.query<{ status: string; n: number; allowing: number; failed: number }>(
    `SELECT status, count(*)::int AS n,
            count(*) FILTER (WHERE allowed AND revoked_at IS NULL AND NOT account_deauthorized
                               AND NOT (source_type = 'manual' AND expires_at IS NOT NULL AND expires_at <= now()))::int AS allowing,
            count(*) FILTER (WHERE payment_failed)::int AS failed
       FROM np_stripe_entitlements WHERE tenant_id = $1 GROUP BY status ORDER BY status`,
    [tenantId],
  );
  return {
    by_status: Object.fromEntries(rows.map((r) => [r.status, r.n])),
    allowing: rows.reduce((sum, r) => sum + r.allowing, 0),
    payment_failed: rows.reduce((sum, r) => sum + r.failed, 0),
  };
}
