import type { Queryable } from '../db/pool.js';

/**
 * The Stripe customer a subject already bought as on this selling account, remembered by its
 * grants: grants that still allow win, then subscriptions, then the most recently changed (the
 * order /portal picks its customer by). Selling to that customer again keeps all of the
 * subject's subscriptions under one customer, so one portal session shows them all.
 */
export async function knownCustomerOn(q: Queryable, tenantId: string, subjectId: string, accountId: string): Promise<string | null> {
  const { rows } = await q.query<{ stripe_customer_id: string }>(
    `SELECT stripe_customer_id FROM np_stripe_entitlements
      WHERE tenant_id = $1 AND entity_id = $2 AND stripe_account_id = $3
        AND source_type <> 'manual' AND stripe_customer_id IS NOT NULL
      ORDER BY (allowed AND revoked_at IS NULL) DESC, (source_type = 'subscription') DESC, updated_at DESC
      LIMIT 1`,
    [tenantId, subjectId, accountId],
  );
  return rows[0]?.stripe_customer_id ?? null;
}
