import type Stripe from 'stripe';
import { signatureHeader } from '../src/sim/index.js';
import { ACCOUNT, CONNECT_WEBHOOK_SECRET } from './env.js';

/**
 * A customer.subscription.updated event of a connected account, shaped like Stripe's
 * (API 2024-12-18.acacia), for a subscription of its own that carries our metadata.
 */
export function subscriptionEvent(prefix: string, i: number, createdSec: number): Stripe.Event {
  const sub = `sub_${prefix}${String(i).padStart(8, '0')}`;
  const periodStart = createdSec - 86_400;
  const periodEnd = createdSec + 29 * 86_400;
  const subscription = {
    id: sub,
    object: 'subscription',
    application_fee_percent: null,
    billing_cycle_anchor: periodStart,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    collection_method: 'charge_automatically',
    created: periodStart,
    currency: 'usd',
    current_period_end: periodEnd,
    current_period_start: periodStart,
    customer: `cus_${prefix}${i}`,
    default_payment_method: `pm_${prefix}${i}`,
    items: {
      object: 'list',
      data: [
        {
          id: `si_${prefix}${i}`,
          object: 'subscription_item',
          created: periodStart,
          metadata: {},
          price: {
            id: 'price_1BenchPro',
            object: 'price',
            active: true,
            currency: 'usd',
            product: 'prod_BenchPro',
            recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' },
            type: 'recurring',
            unit_amount: 1900,
          },
          quantity: 1,
          subscription: sub,
        },
      ],
      has_more: false,
      url: `/v1/subscription_items?subscription=${sub}`,
    },
    latest_invoice: `in_${prefix}${i}`,
    livemode: false,
    metadata: { nself_entity_id: `user-${prefix}${i}`, nself_capabilities: 'pro' },
    start_date: periodStart,
    status: 'active',
    trial_end: null,
    trial_start: null,
  };
  return {
    id: `evt_${prefix}${String(i).padStart(8, '0')}`,
    object: 'event',
    account: ACCOUNT,
    api_version: '2024-12-18.acacia',
    created: createdSec,
    data: { object: subscription, previous_attributes: { status: 'trialing' } },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'customer.subscription.updated',
  } as unknown as Stripe.Event;
}

export interface SignedDelivery {
  eventId: string;
  body: string;
  signature: string;
}

/** Signs a delivery the way Stripe does, at delivery time. */
export function signedDelivery(event: Stripe.Event): SignedDelivery {
  const body = JSON.stringify(event, null, 2);
  return { eventId: event.id, body, signature: signatureHeader(CONNECT_WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000)) };
}
