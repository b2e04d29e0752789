import { grantTargetFromMetadata } from '../../entitlements/grants.js';
import { grantPurchase } from '../grant-writes.js';
import { ignored, processed, type EventHandler } from '../types.js';

const idOf = (v: string | { id: string } | null | undefined): string | null => (typeof v === 'string' ? v : (v?.id ?? null));

// Asynchronous payment methods complete the session unpaid; access waits for the money.
const PAID = new Set(['paid', 'no_payment_required']);

/**
 * Grants the session's `nself_capabilities` to its `nself_entity_id`, backed by the
 * subscription (subscription mode) or the payment intent (payment mode). A subscription
 * event that came first already made the grant; this only fills in the session's references.
 */
export const applyCheckoutCompleted: EventHandler = async (tx, event, ctx) => {
  if (event.type !== 'checkout.session.completed') return ignored('unexpected_type');
  const session = event.data.object;
  const target = grantTargetFromMetadata(session.metadata);
  if (!target) return ignored('no_entitlement_metadata');
  if (!PAID.has(session.payment_status)) return ignored(`payment_status_${session.payment_status}`);
  const subscriptionId = idOf(session.subscription);
  const intentId = idOf(session.payment_intent);
  const source =
    session.mode === 'subscription' && subscriptionId
      ? { sourceType: 'subscription' as const, sourceId: subscriptionId }
      : session.mode === 'payment' && intentId
        ? { sourceType: 'payment' as const, sourceId: intentId }
        : null;
  if (!source) return ignored(`unsupported_session_mode_${session.mode}`);
  await grantPurchase(tx, {
    tenantId: ctx.tenantId,
    target,
    ...source,
    accountId: event.account ?? null,
    customerId: idOf(session.customer),
    checkoutSessionId: session.id,
  });
  return processed;
};
