import { grantTargetFromMetadata } from '../../entitlements/grants.js';
import { notify } from '../../notify.js';
import { readCheckoutSession, type CheckoutSession } from '../../stripe/objects/checkout-session.js';
import { grantPurchase } from '../grant-writes.js';
import { ignored, objectHandler, processed } from '../types.js';

// Asynchronous payment methods complete the session unpaid; access waits for the money.
const PAID = new Set(['paid', 'no_payment_required']);

/**
 * What a paid session's grant is backed by: its subscription, or its payment intent. A payment
 * that cost nothing (a 100% coupon: `no_payment_required`) has no payment intent; the session
 * itself is then the payment. https://docs.stripe.com/payments/checkout/no-cost-orders
 */
export function checkoutSource(session: CheckoutSession): { sourceType: 'subscription' | 'payment'; sourceId: string } | null {
  if (session.mode === 'subscription') return session.subscriptionId ? { sourceType: 'subscription', sourceId: session.subscriptionId } : null;
  if (session.mode !== 'payment') return null;
  if (session.paymentIntentId) return { sourceType: 'payment', sourceId: session.paymentIntentId };
  return session.paymentStatus === 'no_payment_required' ? { sourceType: 'payment', sourceId: session.id } : null;
}

/**
 * Grants the session's `nself_capabilities` to its `nself_entity_id`, backed by the
 * subscription (subscription mode) or the payment. A subscription event that came first
 * already made the grant; this only fills in the session's references. A session paid by a
 * delayed method (bank debits) completes `unpaid` and grants on
 * `checkout.session.async_payment_succeeded`, which carries it `paid`.
 * https://docs.stripe.com/checkout/fulfillment#delayed-notification
 */
export const applyCheckoutCompleted = objectHandler(readCheckoutSession, async (tx, event, session, ctx) => {
  const target = grantTargetFromMetadata(session.metadata);
  if (!target) return ignored('no_entitlement_metadata');
  if (!PAID.has(session.paymentStatus)) return ignored(`payment_status_${session.paymentStatus}`);
  const source = checkoutSource(session);
  if (!source) return ignored(`unsupported_session_mode_${session.mode}`);
  await grantPurchase(tx, {
    tenantId: ctx.tenantId,
    target,
    ...source,
    accountId: event.account ?? null,
    customerId: session.customerId,
    checkoutSessionId: session.id,
  });
  return processed;
});

/** The delayed payment failed: nothing is granted, and the platform hears of it (ids only). */
export const applyCheckoutAsyncPaymentFailed = objectHandler(readCheckoutSession, async (tx, event, session, ctx) => {
  const target = grantTargetFromMetadata(session.metadata);
  if (!target) return ignored('no_entitlement_metadata');
  await notify(tx, ctx.logger, {
    kind: 'checkout.session.async_payment_failed',
    tenant_id: ctx.tenantId,
    event_id: event.id,
    stripe_account_id: event.account ?? null,
    entity_id: target.entityId,
    checkout_session_id: session.id,
    payment_intent_id: session.paymentIntentId,
    subscription_id: session.subscriptionId,
    customer_id: session.customerId,
  });
  return processed;
});
