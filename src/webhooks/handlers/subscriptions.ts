import { syncGrantsFromSubscription } from '../../entitlements/grants.js';
import { readSubscription } from '../../stripe/objects/subscription.js';
import { ignored, objectHandler, processed } from '../types.js';

/**
 * customer.subscription.created / updated / deleted: the grants follow the subscription's
 * state, from the metadata it carries (so it works before checkout.session.completed).
 * Ordering and same-second ties are settled inside syncGrantsFromSubscription.
 */
export const applySubscriptionEvent = objectHandler(readSubscription, async (tx, event, subscription, ctx) => {
  const result = await syncGrantsFromSubscription(tx, {
    tenantId: ctx.tenantId,
    subscription,
    accountId: event.account ?? null,
    eventCreated: new Date(event.created * 1000),
    fetched: false,
    stripe: ctx.stripe,
  });
  if (result.outcome === 'no_metadata') return ignored('no_entitlement_metadata');
  if (result.outcome === 'stale') ctx.logger.debug({ event_id: event.id }, 'subscription event older than the stored state');
  return processed;
});
