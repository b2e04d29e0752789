import type Stripe from 'stripe';
import { CONNECT_SECRET, makeEvent, PLATFORM_SECRET, signature, subscriptionObject, TENANT, uniqueId } from '../../webhooks/helpers.js';

export { TENANT };

/** One generated event and the row its effect must leave: a grant (by source id) or a payment. */
export interface PlannedEvent {
  event: Stripe.Event;
  channel: 'platform' | 'connect';
  /** source_id of the grant row it creates. */
  sourceId: string;
  entityId: string;
  capability: string;
  /** id of the np_stripe_payments row it creates, for payment events. */
  paymentId: string | null;
}

/** customer.subscription.created under `account`, granting `capability` to a fresh entity. */
export function subscriptionEvent(account: string, n: number, type = 'customer.subscription.created'): PlannedEvent {
  const subId = uniqueId('sub');
  const entityId = `subscriber-${n}-${subId.slice(-6)}`;
  const capability = 'pro';
  const object = subscriptionObject({ id: subId, status: 'active', entityId, capabilities: capability, customer: uniqueId('cus') });
  return { event: makeEvent({ type, object, account }), channel: 'connect', sourceId: subId, entityId, capability, paymentId: null };
}

/** payment_intent.succeeded on the platform channel, carrying our metadata: a payment row and a payment grant. */
export function paymentEvent(n: number): PlannedEvent {
  const piId = uniqueId('pi');
  const entityId = `buyer-${n}-${piId.slice(-6)}`;
  const capability = 'lifetime';
  const object = {
    id: piId,
    object: 'payment_intent',
    amount: 5000,
    amount_received: 5000,
    currency: 'usd',
    status: 'succeeded',
    customer: null,
    metadata: { nself_tenant_id: TENANT, nself_entity_id: entityId, nself_capabilities: capability },
  };
  return { event: makeEvent({ type: 'payment_intent.succeeded', object }), channel: 'platform', sourceId: piId, entityId, capability, paymentId: piId };
}

/** A mix: two subscription events for every payment event. */
export function mixedEvents(account: string, count: number): PlannedEvent[] {
  return Array.from({ length: count }, (_, i) =>
    i % 3 === 2 ? paymentEvent(i) : subscriptionEvent(account, i, i % 3 === 0 ? 'customer.subscription.created' : 'customer.subscription.updated'),
  );
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Delivers one event over real HTTP, signed as Stripe signs it (a fresh timestamp per attempt). */
export async function postSigned(baseUrl: string, planned: Pick<PlannedEvent, 'event' | 'channel'>): Promise<Answer> {
  const payload = JSON.stringify(planned.event);
  const secret = planned.channel === 'connect' ? CONNECT_SECRET : PLATFORM_SECRET;
  const res = await fetch(`${baseUrl}/stripe/webhook/${planned.channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature(payload, secret) },
    body: payload,
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body };
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
export async function mapBounded<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
