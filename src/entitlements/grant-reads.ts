import type { Queryable } from '../db/pool.js';

/** One row of np_stripe_entitlements as the read side needs it. */
export interface GrantRow {
  id: string;
  tenant_id: string;
  entity_id: string;
  capability: string;
  source_type: 'subscription' | 'payment' | 'manual';
  source_id: string;
  status: string;
  allowed: boolean;
  quantity: number;
  current_period_end: Date | null;
  payment_failed: boolean;
  stripe_account_id: string | null;
  stripe_customer_id: string | null;
  note: string | null;
  expires_at: Date | null;
  cached_at: Date;
  last_event_created: Date | null;
  revoked_at: Date | null;
  /** Sold under an account that disconnected the platform: never allows (migration 005). */
  account_deauthorized: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, tenant_id, entity_id, capability, source_type, source_id, status, allowed, quantity,
  current_period_end, payment_failed, stripe_account_id, stripe_customer_id, note, expires_at, cached_at,
  last_event_created, revoked_at, account_deauthorized, created_at, updated_at`;

/** Every grant of one (tenant, entity, capability), revoked ones included (they still tell the status). */
export async function grantsForKey(q: Queryable, tenantId: string, entityId: string, capability: string): Promise<GrantRow[]> {
  const { rows } = await q.query<GrantRow>(
    `SELECT ${COLUMNS} FROM np_stripe_entitlements WHERE tenant_id = $1 AND entity_id = $2 AND capability = $3`,
    [tenantId, entityId, capability],
  );
  return rows;
}

export interface CustomerRef {
  customerId: string;
  accountId: string;
}

/**
 * The Stripe customer a subject bought as, under the account that sold it: grants that
 * still allow win, then the most recently changed one.
 */
export async function customerOfSubject(q: Queryable, tenantId: string, entityId: string): Promise<CustomerRef | null> {
  const { rows } = await q.query<{ stripe_customer_id: string; stripe_account_id: string }>(
    `SELECT stripe_customer_id, stripe_account_id FROM np_stripe_entitlements
      WHERE tenant_id = $1 AND entity_id = $2 AND source_type <> 'manual'
        AND stripe_customer_id IS NOT NULL AND stripe_account_id IS NOT NULL
      ORDER BY (allowed AND revoked_at IS NULL) DESC, (source_type = 'subscription') DESC, updated_at DESC
      LIMIT 1`,
    [tenantId, entityId],
  );
  const row = rows[0];
  return row ? { customerId: row.stripe_customer_id, accountId: row.stripe_account_id } : null;
}

/** Whether a tenant holds any grant backed by this subscription (revoked ones count: it is known). */
export async function subscriptionIsKnown(q: Queryable, tenantId: string, subscriptionId: string): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM np_stripe_entitlements WHERE tenant_id = $1 AND source_type = 'subscription' AND source_id = $2 LIMIT 1`,
    [tenantId, subscriptionId],
  );
  return rows.length > 0;
}

/** Of these Stripe accounts, the ones that disconnected our platform (their grants are not re-confirmed). */
export async function deauthorizedAccounts(q: Queryable, accountIds: string[]): Promise<Set<string>> {
  if (accountIds.length === 0) return new Set();
  const { rows } = await q.query<{ stripe_account_id: string }>(
    `SELECT stripe_account_id FROM np_stripe_accounts WHERE stripe_account_id = ANY($1::text[]) AND status = 'deauthorized'`,
    [accountIds],
  );
  return new Set(rows.map((r) => r.stripe_account_id));
}
