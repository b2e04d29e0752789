import { grantTargetFromMetadata } from '../../entitlements/grants.js';
import { notify } from '../../notify.js';
import { readCharge, readDispute, readPaymentIntent, readTransfer } from '../../stripe/objects/payments.js';
import { grantPurchase, revokePaymentGrants } from '../grant-writes.js';
import { flagDisputedCharge, upsertPaymentRecord } from '../payment-records.js';
import { ignored, objectHandler, processed, type EventEnvelope } from '../types.js';

/** Payment intents, refunds, disputes and transfers: platform events, or Connect ones for direct charges. */

const createdAt = (event: EventEnvelope): Date => new Date(event.created * 1000);

/** Records the payment; grants the one-time capabilities its metadata names, to its `nself_entity_id`. */
export const applyPaymentIntentSucceeded = objectHandler(readPaymentIntent, async (tx, event, intent, ctx) => {
  const target = grantTargetFromMetadata(intent.metadata);
  await upsertPaymentRecord(tx, {
    id: intent.id,
    tenantId: ctx.tenantId,
    kind: 'payment_intent',
    accountId: event.account ?? null,
    paymentIntentId: intent.id,
    entityId: target?.entityId ?? intent.metadata.nself_entity_id ?? null,
    amount: intent.amountReceived || intent.amount,
    amountRefunded: 0,
    currency: intent.currency,
    status: intent.status,
    destination: null,
    eventCreated: createdAt(event),
  });
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
  const full = charge.amount > 0 && charge.amountRefunded >= charge.amount;
  await upsertPaymentRecord(tx, {
    id: charge.id,
    tenantId: ctx.tenantId,
    kind: 'charge',
    accountId: event.account ?? null,
    paymentIntentId: intentId,
    entityId: charge.metadata.nself_entity_id ?? null,
    amount: charge.amount,
    amountRefunded: charge.amountRefunded,
    currency: charge.currency,
    status: full ? 'refunded' : 'partially_refunded',
    destination: null,
    eventCreated: createdAt(event),
  });
  if (full && intentId) {
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
  await upsertPaymentRecord(tx, {
    id: transfer.id,
    tenantId: ctx.tenantId,
    kind: 'transfer',
    accountId: transfer.destination,
    paymentIntentId: null,
    entityId: transfer.metadata.nself_entity_id ?? null,
    amount: transfer.amount,
    amountRefunded: transfer.amountReversed,
    currency: transfer.currency,
    status: transfer.reversed ? 'reversed' : 'created',
    destination: transfer.destination,
    eventCreated: createdAt(event),
  });
  return processed;
});
