import type { Queryable } from '../db/pool.js';
import type { GrantKey, GrantTarget } from '../entitlements/grants.js';

/** Grant writes only webhook handlers make: checkout/payment grants, refund revocation, the payment flag. */

export interface PurchaseGrant {
  tenantId: string;
  target: GrantTarget;
  sourceType: 'subscription' | 'payment';
  /** The subscription id or the payment intent id that paid. */
  sourceId: string;
  accountId: string | null;
  customerId: string | null;
  checkoutSessionId: string | null;
}

/**
 * Grants what a completed checkout or a succeeded payment bought. An existing grant keeps its
 * state (subscription events own it, a refund or deletion revoked it): only the purchase's
 * references are filled in, and only by a purchase under the same account. A new subscription
 * grant carries no event time, so any subscription event, even one created earlier, still
 * applies over it.
 */
export async function grantPurchase(tx: Queryable, input: PurchaseGrant): Promise<GrantKey[]> {
  const refunded = input.sourceType === 'payment' && (await paymentFullyRefunded(tx, input.sourceId));
  const status = input.sourceType === 'subscription' ? 'active' : refunded ? 'refunded' : 'paid';
  const changed: GrantKey[] = [];
  for (const capability of input.target.capabilities) {
    const { rows } = await tx.query<{ entity_id: string; capability: string }>(
      `INSERT INTO np_stripe_entitlements AS g (tenant_id, entity_id, capability, source_type, source_id, status, allowed,
         stripe_account_id, stripe_customer_id, checkout_session_id, cached_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), CASE WHEN $7::boolean THEN NULL ELSE now() END)
       ON CONFLICT (tenant_id, entity_id, capability, source_id) DO UPDATE SET
         stripe_customer_id = COALESCE(g.stripe_customer_id, EXCLUDED.stripe_customer_id),
         checkout_session_id = COALESCE(g.checkout_session_id, EXCLUDED.checkout_session_id),
         updated_at = now()
       WHERE g.stripe_account_id IS NOT DISTINCT FROM EXCLUDED.stripe_account_id
       RETURNING entity_id, capability`,
      [
        input.tenantId,
        input.target.entityId,
        capability,
        input.sourceType,
        input.sourceId,
        status,
        !refunded,
        input.accountId,
        input.customerId,
        input.checkoutSessionId,
      ],
    );
    if (rows[0]) changed.push({ entityId: rows[0].entity_id, capability: rows[0].capability });
  }
  return changed;
}

/** Whether a charge of this payment intent was refunded in full (a refund can overtake its payment's event). */
export async function paymentFullyRefunded(tx: Queryable, paymentIntentId: string): Promise<boolean> {
  const { rows } = await tx.query(
    `SELECT 1 FROM np_stripe_payments
      WHERE payment_intent_id = $1 AND kind = 'charge' AND amount > 0 AND amount_refunded >= amount LIMIT 1`,
    [paymentIntentId],
  );
  return rows.length > 0;
}

/** A full refund: the grants that payment bought under this account stop allowing, for good. */
export async function revokePaymentGrants(tx: Queryable, paymentIntentId: string, accountId: string | null): Promise<GrantKey[]> {
  const { rows } = await tx.query<{ entity_id: string; capability: string }>(
    `UPDATE np_stripe_entitlements
        SET allowed = false, status = 'refunded', revoked_at = COALESCE(revoked_at, now()), cached_at = now(), updated_at = now()
      WHERE source_type = 'payment' AND source_id = $1 AND stripe_account_id IS NOT DISTINCT FROM $2 AND revoked_at IS NULL
      RETURNING entity_id, capability`,
    [paymentIntentId, accountId],
  );
  return rows.map((r) => ({ entityId: r.entity_id, capability: r.capability }));
}

export interface PaymentFlagRow {
  entity_id: string;
  capability: string;
  payment_event_created: Date | null;
}

export async function lockPaymentFlags(
  tx: Queryable,
  tenantId: string,
  subscriptionId: string,
  accountId: string | null,
): Promise<PaymentFlagRow[]> {
  const { rows } = await tx.query<PaymentFlagRow>(
    `SELECT entity_id, capability, payment_event_created FROM np_stripe_entitlements
      WHERE tenant_id = $1 AND source_type = 'subscription' AND source_id = $2 AND stripe_account_id IS NOT DISTINCT FROM $3
      ORDER BY entity_id, capability FOR UPDATE`,
    [tenantId, subscriptionId, accountId],
  );
  return rows;
}

/**
 * Sets or clears the payment-failed flag of a subscription's grants, ordered by the invoice
 * events' own `created` (`orEqual` once a same-second tie was settled from Stripe).
 */
export async function setPaymentFailed(
  tx: Queryable,
  input: { tenantId: string; subscriptionId: string; accountId: string | null; failed: boolean; eventCreated: Date; orEqual: boolean },
): Promise<GrantKey[]> {
  const { rows } = await tx.query<{ entity_id: string; capability: string }>(
    `UPDATE np_stripe_entitlements
        SET payment_failed = $3, payment_event_created = $4, updated_at = now()
      WHERE tenant_id = $1 AND source_type = 'subscription' AND source_id = $2 AND stripe_account_id IS NOT DISTINCT FROM $6
        AND (payment_event_created IS NULL OR payment_event_created < $4 OR ($5 AND payment_event_created <= $4))
      RETURNING entity_id, capability`,
    [input.tenantId, input.subscriptionId, input.failed, input.eventCreated, input.orEqual, input.accountId],
  );
  return rows.map((r) => ({ entityId: r.entity_id, capability: r.capability }));
}
