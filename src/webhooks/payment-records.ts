import type { Queryable } from '../db/pool.js';

/** np_stripe_payments: the money movements platform and direct-charge events report. */

export interface PaymentRecord {
  id: string;
  tenantId: string;
  kind: 'payment_intent' | 'charge' | 'transfer';
  accountId: string | null;
  paymentIntentId: string | null;
  entityId: string | null;
  amount: number;
  amountRefunded: number;
  currency: string | null;
  status: string;
  destination: string | null;
  eventCreated: Date;
}

/**
 * Records a payment object's state. Its status follows the newest event only, while
 * refunded amounts only grow, so an old event can never undo a refund.
 */
export async function upsertPaymentRecord(tx: Queryable, r: PaymentRecord): Promise<void> {
  await tx.query(
    `INSERT INTO np_stripe_payments AS p (id, tenant_id, kind, stripe_account_id, payment_intent_id, entity_id, amount,
       amount_refunded, currency, status, destination, last_event_created)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (id) DO UPDATE SET
       stripe_account_id = COALESCE(p.stripe_account_id, EXCLUDED.stripe_account_id),
       payment_intent_id = COALESCE(p.payment_intent_id, EXCLUDED.payment_intent_id),
       entity_id = COALESCE(p.entity_id, EXCLUDED.entity_id),
       amount = GREATEST(p.amount, EXCLUDED.amount),
       amount_refunded = GREATEST(p.amount_refunded, EXCLUDED.amount_refunded),
       currency = COALESCE(p.currency, EXCLUDED.currency),
       destination = COALESCE(p.destination, EXCLUDED.destination),
       status = CASE WHEN p.last_event_created IS NULL OR p.last_event_created <= EXCLUDED.last_event_created
                     THEN EXCLUDED.status ELSE p.status END,
       last_event_created = GREATEST(p.last_event_created, EXCLUDED.last_event_created),
       updated_at = now()`,
    [
      r.id,
      r.tenantId,
      r.kind,
      r.accountId,
      r.paymentIntentId,
      r.entityId,
      r.amount,
      r.amountRefunded,
      r.currency,
      r.status,
      r.destination,
      r.eventCreated,
    ],
  );
}

/** Flags a charge as disputed; the flag stays whatever order later events arrive in. */
export async function flagDisputedCharge(
  tx: Queryable,
  d: { chargeId: string; tenantId: string; accountId: string | null; paymentIntentId: string | null; disputeId: string; amount: number; currency: string | null },
): Promise<void> {
  await tx.query(
    `INSERT INTO np_stripe_payments AS p (id, tenant_id, kind, stripe_account_id, payment_intent_id, amount, currency,
       status, disputed, dispute_id)
     VALUES ($1, $2, 'charge', $3, $4, $5, $6, 'disputed', true, $7)
     ON CONFLICT (id) DO UPDATE SET
       disputed = true,
       dispute_id = EXCLUDED.dispute_id,
       payment_intent_id = COALESCE(p.payment_intent_id, EXCLUDED.payment_intent_id),
       stripe_account_id = COALESCE(p.stripe_account_id, EXCLUDED.stripe_account_id),
       updated_at = now()`,
    [d.chargeId, d.tenantId, d.accountId, d.paymentIntentId, d.amount, d.currency, d.disputeId],
  );
}
