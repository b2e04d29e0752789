import { grantTargetFromMetadata } from '../../entitlements/grants.js';
import { notify } from '../../notify.js';
import { readCharge, readDispute, readPaymentIntent, readTransfer } from '../../stripe/objects/payments.js';
import { grantPurchase, revokePaymentGrants } from '../grant-writes.js';
import { chargeFacts, fullyRefunded, intentFacts, transferFacts } from '../payment-facts.js';
import { flagDisputedCharge, upsertPaymentRecord } from '../payment-records.js';
import { ignored, objectHandler, processed, type EventEnvelope } from '../types.js';

/** Payment intents, refunds, disputes and transfers: platform events, or Connect ones for direct charges. */

const createdAt = (event: EventEnvelope): Date => new Date(event.created * 1000);

/** Records the payment; grants the one-time capabilities its metadata names, to its `nself_entity_id`. */
export const applyPaymentIntentSucceeded = objectHandler(readPaymentIntent, async (tx, event, intent, ctx) => {
  const target = grantTargetFromMetadata(intent.metadata);
  await upsertPaymentRecord(tx, { ...intentFacts(intent, event.account ?? null), tenantId: ctx.tenantId, eventCreated: createdAt(event) });
  if (target) {
    await grantPurchase(tx, {
      tenantId: ctx.tenantId,
      target,
      sourceType: 'payment',
      sourceId: intent.id,
      accountId: event.account ?? null,
      customerId: intent.customerId,
      checkoutSessionId: null,
    });
  }
  return processed;
});

/** Records the refund; a full refund revokes what that payment bought. */
export const applyChargeRefunded = objectHandler(readCharge, async (tx, event, charge, ctx) => {
  const intentId = charge.paymentIntentId;
  await upsertPaymentRecord(tx, { ...chargeFacts(charge, event.account ?? null), tenantId: ctx.tenantId, eventCreated: createdAt(event) });
  if (fullyRefunded(charge) && intentId) {
    const revoked = await revokePaymentGrants(tx, intentId, event.account ?? null);
    if (revoked.length > 0) ctx.logger.info({ event_id: event.id, payment_intent: intentId, revoked }, 'refund revoked grants');
  }
  return processed;
});

/** Flags the disputed charge and tells the platform: someone has to answer the dispute. */
export const applyDisputeCreated = objectHandler(readDispute, async (tx, event, dispute, ctx) => {
  const chargeId = dispute.chargeId;
  if (!chargeId) return ignored('dispute_without_charge');
  const intentId = dispute.paymentIntentId;
  await flagDisputedCharge(tx, {
    chargeId,
    tenantId: ctx.tenantId,
    accountId: event.account ?? null,
    paymentIntentId: intentId,
    disputeId: dispute.id,
    amount: dispute.amount,
    currency: dispute.currency,
  });
  await notify(tx, ctx.logger, {
    kind: 'charge.dispute.created',
    tenant_id: ctx.tenantId,
    event_id: event.id,
    stripe_account_id: event.account ?? null,
    dispute_id: dispute.id,
    charge_id: chargeId,
    payment_intent_id: intentId,
    amount: dispute.amount,
    currency: dispute.currency,
    reason: dispute.reason,
  });
  return processed;
});

/** Records the transfer to the connected account. */
export const applyTransferCreated = objectHandler(readTransfer, async (tx, event, transfer, ctx) => {
  await upsertPaymentRecord(tx, { ...transferFacts(transfer), tenantId: ctx.tenantId, eventCreated: createdAt(event) });
  return processed;
});
