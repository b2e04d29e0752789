import Stripe from 'stripe';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { acaciaInvoice, CONNECT_SECRET, control, onboardedAccount, PLATFORM_SECRET, simulatorWithReceiver, startTestSimulator, stripeFor, waitFor, type WebhookReceiver } from './helpers.js';

let sim: Simulator;
let stripe: Stripe;
let receiver: WebhookReceiver;

simulatorWithReceiver((h) => ({ sim, stripe, receiver } = h));
beforeEach(async () => {
  receiver.respond = () => 200;
  await control(sim, 'DELETE', '/_sim/deliveries');
});

function verify(path: '/platform' | '/connect'): Stripe.Event[] {
  const secret = path === '/platform' ? PLATFORM_SECRET : CONNECT_SECRET;
  return receiver.received
    .filter((d) => d.path === path)
    .map((d) => stripe.webhooks.constructEvent(d.body, String(d.headers['stripe-signature']), secret));
}

interface Delivery {
  event_id: string;
  type: string;
  channel: string;
  status: number | null;
  attempt: number;
}

describe('signed delivery', () => {
  it('signs like Stripe, with the headers Stripe sends', async () => {
    const account = await onboardedAccount(sim, stripe);
    const [event] = verify('/connect');
    expect(event?.type).toBe('account.updated');
    expect(event?.account).toBe(account.id);
    expect(event?.api_version).toBe('2024-12-18.acacia');
    expect(event?.livemode).toBe(false);
    expect((event?.data.object as Stripe.Account).charges_enabled).toBe(true);
    expect(event?.data.previous_attributes).toMatchObject({ charges_enabled: false });
    const headers = receiver.received[0]?.headers;
    expect(headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(headers?.['user-agent']).toBe('Stripe/1.0 (+https://stripe.com/docs/webhooks)');
    expect(String(headers?.['stripe-signature'])).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(() => stripe.webhooks.constructEvent(receiver.received[0]?.body ?? '', String(headers?.['stripe-signature']), PLATFORM_SECRET)).toThrow();
  });

  it('retries after a 500 and after an unreachable target, recording each attempt', async () => {
    let calls = 0;
    receiver.respond = () => (++calls <= 2 ? 500 : 200);
    const { body } = await control<{ events: Stripe.Event[] }>(sim, 'POST', '/_sim/trigger', { type: 'payment_intent.succeeded' });
    const id = body.events[0]?.id ?? '';
    const deliveries = await waitFor(() => {
      const list = sim.state.deliveries.filter((d) => d.event_id === id);
      return list.length >= 3 ? list : undefined;
    });
    expect(deliveries.map((d) => [d.attempt, d.status])).toEqual([[1, 500], [2, 500], [3, 200]]);
    const events = verify('/platform');
    expect(events.map((e) => e.id)).toEqual([id, id, id]);

    const unreachable = await startTestSimulator({ platformWebhookUrl: 'http://127.0.0.1:9/nothing', retrySchedulesMs: [20, 20] });
    try {
      await control(unreachable, 'POST', '/_sim/trigger', { type: 'transfer.created' });
      const failed = await waitFor(() => (unreachable.state.deliveries.length >= 3 ? unreachable.state.deliveries : undefined));
      expect(failed.every((d) => d.status === null && d.error !== null)).toBe(true);
      expect(failed.map((d) => d.attempt)).toEqual([1, 2, 3]);
    } finally {
      await unreachable.close();
    }
  });
});

describe('trigger', () => {
  const platformTypes = ['payment_intent.succeeded', 'charge.refunded', 'charge.dispute.created', 'transfer.created'];
  const connectTypes = [
    'account.updated',
    'account.application.deauthorized',
    'checkout.session.completed',
    'customer.subscription.created',
    'customer.subscription.updated',
    'customer.subscription.deleted',
    'invoice.payment_failed',
    'invoice.paid',
  ];

  it.each(platformTypes)('delivers %s on the platform channel', async (type) => {
    const { status, body } = await control<{ events: Stripe.Event[] }>(sim, 'POST', '/_sim/trigger', { type });
    expect(status).toBe(200);
    const events = verify('/platform');
    expect(events.map((e) => e.type)).toEqual([type]);
    expect(events[0]?.account).toBeUndefined();
    expect(events[0]?.id).toBe(body.events[0]?.id);
  });

  it.each(connectTypes)('delivers %s on the Connect channel with account set', async (type) => {
    const { status } = await control(sim, 'POST', '/_sim/trigger', { type, object: type.startsWith('customer.subscription') ? { metadata: { nself_entity_id: 'e1' } } : {} });
    expect(status).toBe(200);
    const events = verify('/connect').filter((e) => e.type === type);
    expect(events).toHaveLength(1);
    expect(events[0]?.account).toMatch(/^acct_/);
    if (type === 'account.application.deauthorized') expect(events[0]?.api_version).toBeNull();
    // The overrides are the update; previous_attributes hold what they replaced.
    if (type === 'customer.subscription.updated') expect(events[0]?.data.previous_attributes).toEqual({ metadata: {} });
    if (type === 'customer.subscription.created') expect((events[0]?.data.object as Stripe.Subscription).metadata).toEqual({ nself_entity_id: 'e1' });
  });

  it('updates a subscription by default with cancel_at_period_end', async () => {
    await control(sim, 'POST', '/_sim/trigger', { type: 'customer.subscription.updated' });
    const [event] = verify('/connect').filter((e) => e.type === 'customer.subscription.updated');
    expect(event?.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
    expect((event?.data.object as Stripe.Subscription).cancel_at_period_end).toBe(true);
  });

  it('refuses an unknown type', async () => {
    expect((await control(sim, 'POST', '/_sim/trigger', { type: 'nope.nope' })).status).toBe(400);
  });

  it('runs under a named account, and duplicates on request', async () => {
    const account = await onboardedAccount(sim, stripe);
    receiver.received.length = 0;
    await control(sim, 'POST', '/_sim/trigger', { type: 'payment_intent.succeeded', account: account.id, deliver: { duplicate: 3 } });
    const events = verify('/connect');
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
    expect(events[0]?.account).toBe(account.id);
  });

  it('can deliver all of a scenario\'s events, reordered', async () => {
    await control(sim, 'POST', '/_sim/trigger', { type: 'checkout.session.completed', deliver: { all: true, reorder: true } });
    expect(verify('/connect').map((e) => e.type)).toEqual(['payment_intent.succeeded', 'invoice.payment_succeeded', 'invoice.paid', 'customer.subscription.created', 'checkout.session.completed']);
  });

  it('delivers an arbitrary event later with /_sim/deliver', async () => {
    const { body } = await control<{ events: Stripe.Event[] }>(sim, 'POST', '/_sim/trigger', { type: 'invoice.paid' });
    receiver.received.length = 0;
    const event = body.events[0];
    const delayed = await control(sim, 'POST', '/_sim/deliver', { event, channel: 'connect', delay_ms: 150 });
    expect(delayed.status).toBe(200);
    await control(sim, 'POST', '/_sim/deliver', { event: { ...event, id: 'evt_second' }, channel: 'connect' });
    await waitFor(() => receiver.received.length === 2);
    expect(verify('/connect').map((e) => e.id)).toEqual(['evt_second', event?.id]);
  });
});

describe('business controls', () => {
  async function subscriptionOn(): Promise<{ sub: Stripe.Subscription; account: string }> {
    const { body } = await control<{ object: Stripe.Subscription; events: Stripe.Event[] }>(sim, 'POST', '/_sim/trigger', { type: 'customer.subscription.created' });
    receiver.received.length = 0;
    return { sub: body.object, account: String(body.events[0]?.account) };
  }

  it('moves a subscription to past_due and back to active with the invoice events', async () => {
    const { sub, account } = await subscriptionOn();
    await control(sim, 'POST', `/_sim/subscriptions/${sub.id}/status`, { status: 'past_due' });
    expect(verify('/connect').map((e) => e.type)).toEqual(['invoice.payment_failed', 'customer.subscription.updated']);
    expect((await stripe.subscriptions.retrieve(sub.id, {}, { stripeAccount: account })).status).toBe('past_due');
    receiver.received.length = 0;
    await control(sim, 'POST', `/_sim/subscriptions/${sub.id}/status`, { status: 'active' });
    expect(verify('/connect').map((e) => e.type)).toEqual(['invoice.paid', 'customer.subscription.updated']);
    receiver.received.length = 0;
    await control(sim, 'POST', `/_sim/subscriptions/${sub.id}/status`, { status: 'canceled' });
    expect(verify('/connect').map((e) => e.type)).toEqual(['customer.subscription.deleted']);
  });

  it('fails and pays invoices, refunds and disputes charges', async () => {
    const { sub, account } = await subscriptionOn();
    const opts = { stripeAccount: account };
    const invoiceId = String((await stripe.subscriptions.retrieve(sub.id, {}, opts)).latest_invoice);
    const invoice = await stripe.invoices.retrieve(invoiceId, {}, opts);
    expect((await control(sim, 'POST', `/_sim/invoices/${invoiceId}/pay`)).status).toBe(400);
    const charge = String(acaciaInvoice.parse(invoice).charge);
    await control(sim, 'POST', `/_sim/charges/${charge}/refund`, { amount: 100 });
    await control(sim, 'POST', `/_sim/charges/${charge}/dispute`);
    const events = verify('/connect');
    expect(events.map((e) => e.type)).toEqual(['charge.refunded', 'charge.dispute.created']);
    expect((events[0]?.data.object as Stripe.Charge).amount_refunded).toBe(100);
    const failed = await control<{ events: Array<{ type: string }> }>(sim, 'POST', '/_sim/trigger', { type: 'invoice.payment_failed', account });
    expect(failed.status).toBe(200);
  });

  it('changes webhook targets at run time', async () => {
    await control(sim, 'POST', '/_sim/config', { platformWebhookUrl: `${receiver.url}/elsewhere` });
    await control(sim, 'POST', '/_sim/trigger', { type: 'transfer.created' });
    expect(receiver.received.map((d) => d.path)).toEqual(['/elsewhere']);
    sim.setWebhookTargets({ platformWebhookUrl: `${receiver.url}/platform` });
  });
});

describe('faults', () => {
  it('fails the next matching call with 500, then recovers', async () => {
    await control(sim, 'POST', '/_sim/faults', { match: { method: 'POST', path: '/v1/customers' }, status: 500 });
    const err = await stripe.customers.create({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((err as Stripe.errors.StripeError).statusCode).toBe(500);
    expect((await stripe.customers.create({})).object).toBe('customer');
  });

  it('answers 429 with Stripe\'s rate limit error, count times', async () => {
    await control(sim, 'POST', '/_sim/faults', { match: { path: '^/v1/customers$' }, status: 429, count: 2 });
    for (let i = 0; i < 2; i++) {
      const err = await stripe.customers.list().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect((err as Stripe.errors.StripeError).code).toBe('rate_limit');
    }
    expect((await stripe.customers.list()).object).toBe('list');
  });

  it('hangs a call past the client timeout', async () => {
    await control(sim, 'POST', '/_sim/faults', { match: { path: '/v1/accounts' }, hang_ms: 500 });
    const slow = stripeFor(sim, undefined, { timeout: 100 });
    const err = await slow.accounts.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    await control(sim, 'DELETE', '/_sim/faults');
    expect((await stripe.accounts.list()).object).toBe('list');
  });

  it('lets the SDK retry a 429 when Stripe-Should-Retry says so', async () => {
    await control(sim, 'POST', '/_sim/faults', { match: { path: '/v1/products' }, status: 429, should_retry: true });
    const retrying = stripeFor(sim, undefined, { maxNetworkRetries: 1 });
    expect((await retrying.products.list()).object).toBe('list');
    const { body } = await control<{ data: Array<{ path: string; status: number }> }>(sim, 'GET', '/_sim/requests?path=/v1/products');
    expect(body.data.slice(-2).map((r) => r.status)).toEqual([429, 200]);
  });

  it('uses a custom error body when given', async () => {
    await control(sim, 'POST', '/_sim/faults', { match: { path: '/v1/checkout/sessions' }, status: 402, error: { code: 'card_declined', message: 'nope' } });
    const res = await fetch(`${sim.url}/v1/checkout/sessions`, { method: 'POST' });
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({ error: { type: 'card_error', code: 'card_declined', message: 'nope' } });
  });
});

describe('reset', () => {
  it('forgets objects, requests and faults', async () => {
    const other = await startTestSimulator();
    try {
      const s = stripeFor(other);
      const customer = await s.customers.create({});
      await control(other, 'POST', '/_sim/faults', { match: { path: '/v1/nothing' }, status: 500, count: -1 });
      expect((await control(other, 'POST', '/_sim/reset')).status).toBe(200);
      expect((await s.customers.retrieve(customer.id).catch((e: unknown) => e)) as Stripe.errors.StripeError).toMatchObject({ statusCode: 404 });
      expect((await control<{ data: unknown[] }>(other, 'GET', '/_sim/faults')).body.data).toEqual([]);
      expect((await control<{ data: unknown[] }>(other, 'GET', '/_sim/requests')).body.data).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe('events API', () => {
  it('lists events by type under the account they belong to', async () => {
    const account = await onboardedAccount(sim, stripe);
    const list = await stripe.events.list({ type: 'account.updated' }, { stripeAccount: account.id });
    expect(list.data).toHaveLength(1);
    expect(list.data[0]?.account).toBe(account.id);
    const deliveries = (await control<{ data: Delivery[] }>(sim, 'GET', `/_sim/deliveries?event_id=${list.data[0]?.id}`)).body.data;
    expect(deliveries[0]).toMatchObject({ type: 'account.updated', channel: 'connect', status: 200, attempt: 1 });
  });
});
