import Stripe from 'stripe';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { renderEvent } from '../../src/sim/shapes.js';
import { CONNECT_SECRET, control, PLATFORM_SECRET, simulatorWithReceiver, stripeFor, waitFor, type WebhookReceiver } from './helpers.js';

const BASIL = '2025-03-31.basil';

let sim: Simulator;
let acacia: Stripe;
let basil: Stripe;
let receiver: WebhookReceiver;

simulatorWithReceiver((h) => {
  ({ sim, receiver } = h);
  acacia = h.stripe;
  basil = stripeFor(sim, undefined, { apiVersion: BASIL as Stripe.LatestApiVersion });
});
beforeEach(() => {
  sim.setWebhookTargets({ platformWebhookApiVersion: '2024-12-18.acacia', connectWebhookApiVersion: '2024-12-18.acacia' });
});

type Loose = Record<string, unknown>;

function plain(value: unknown): Loose {
  return JSON.parse(JSON.stringify(value)) as Loose;
}

function items(sub: Loose): Loose[] {
  return (sub.items as { data: Loose[] }).data;
}

/** A subscription (paid first invoice) under a fresh connected account, with metadata. */
async function subscription(): Promise<{ id: string; account: string }> {
  const { body } = await control<{ object: Stripe.Subscription; events: Stripe.Event[] }>(sim, 'POST', '/_sim/trigger', {
    type: 'customer.subscription.created',
    object: { metadata: { nself_entity_id: 'e1' } },
  });
  receiver.received.length = 0;
  return { id: body.object.id, account: String(body.events[0]?.account) };
}

describe('answers in the shape of the request’s Stripe-Version', () => {
  it('acacia keeps the billing period on the subscription; basil moves it onto each item', async () => {
    const { id, account } = await subscription();
    const opts = { stripeAccount: account };
    const old = plain(await acacia.subscriptions.retrieve(id, {}, opts));
    expect(typeof old.current_period_start).toBe('number');
    expect(typeof old.current_period_end).toBe('number');
    expect(items(old)[0]).not.toHaveProperty('current_period_end');
    const fresh = plain(await basil.subscriptions.retrieve(id, {}, opts));
    expect(fresh).not.toHaveProperty('current_period_start');
    expect(fresh).not.toHaveProperty('current_period_end');
    expect(items(fresh)[0]).toMatchObject({ current_period_start: old.current_period_start, current_period_end: old.current_period_end });
    const listed = plain(await basil.subscriptions.list({}, opts));
    expect((listed.data as Loose[])[0]).not.toHaveProperty('current_period_end');
    // Shaping works on a copy: the stored object (and an acacia reader) is unchanged.
    expect(plain(await acacia.subscriptions.retrieve(id, {}, opts)).current_period_end).toBe(old.current_period_end);
  });

  it('a basil invoice names its subscription and metadata under parent.subscription_details', async () => {
    const { id, account } = await subscription();
    const opts = { stripeAccount: account };
    const sub = plain(await acacia.subscriptions.retrieve(id, {}, opts));
    const invoiceId = String(sub.latest_invoice);
    const old = plain(await acacia.invoices.retrieve(invoiceId, {}, opts));
    expect(old).toMatchObject({ subscription: id, subscription_details: { metadata: { nself_entity_id: 'e1' } }, paid: true });
    expect(old).not.toHaveProperty('parent');
    const fresh = plain(await basil.invoices.retrieve(invoiceId, {}, opts));
    expect(fresh.parent).toEqual({ type: 'subscription_details', quote_details: null, subscription_details: { metadata: { nself_entity_id: 'e1' }, subscription: id } });
    for (const gone of ['subscription', 'subscription_details', 'paid', 'charge', 'payment_intent', 'paid_out_of_band']) expect(fresh).not.toHaveProperty(gone);
    const line = (fresh.lines as { data: Loose[] }).data[0];
    expect(line?.parent).toMatchObject({ type: 'subscription_item_details', subscription_item_details: { subscription: id, subscription_item: items(sub)[0]?.id } });
    expect(line).not.toHaveProperty('subscription');
    expect(line).not.toHaveProperty('price');
    expect(line?.pricing).toMatchObject({ type: 'price_details', price_details: { price: expect.stringMatching(/^price_/) } });
    const pi = plain(await basil.paymentIntents.retrieve(String(old.payment_intent), {}, opts));
    expect(pi).not.toHaveProperty('invoice');
    expect(plain(await acacia.paymentIntents.retrieve(String(old.payment_intent), {}, opts)).invoice).toBe(invoiceId);
  });

  it('shapes expanded objects too', async () => {
    const { id, account } = await subscription();
    const sub = plain(await basil.subscriptions.retrieve(id, { expand: ['latest_invoice'] }, { stripeAccount: account }));
    expect((sub.latest_invoice as Loose).parent).toMatchObject({ type: 'subscription_details' });
    expect(sub.latest_invoice).not.toHaveProperty('subscription');
  });

  it('leaves an event’s object in the version it was rendered in when listed through the API', async () => {
    const { id, account } = await subscription();
    const events = plain(await basil.events.list({ type: 'customer.subscription.created' }, { stripeAccount: account }));
    const event = (events.data as Loose[]).find((e) => ((e.data as Loose).object as Loose).id === id);
    expect(event?.api_version).toBe('2024-12-18.acacia');
    expect(((event?.data as Loose).object as Loose).current_period_end).toEqual(expect.any(Number));
  });
});

describe('webhook endpoints carry an API version', () => {
  function verified(path: string, secret: string): Stripe.Event[] {
    return receiver.received
      .filter((d) => d.path === path)
      .map((d) => acacia.webhooks.constructEvent(d.body, String(d.headers['stripe-signature']), secret));
  }

  it('defaults to acacia', async () => {
    expect((await control<Loose>(sim, 'GET', '/_sim/config')).body).toMatchObject({ platformWebhookApiVersion: '2024-12-18.acacia', connectWebhookApiVersion: '2024-12-18.acacia' });
    await control(sim, 'POST', '/_sim/trigger', { type: 'customer.subscription.created' });
    const [event] = verified('/connect', CONNECT_SECRET);
    expect(event?.api_version).toBe('2024-12-18.acacia');
    expect(plain(event?.data.object).current_period_end).toEqual(expect.any(Number));
  });

  it('signs events in the shape of the endpoint’s version, each endpoint its own', async () => {
    const set = await control(sim, 'POST', '/_sim/config', { connect_webhook_api_version: BASIL });
    expect(set.status).toBe(200);
    const { body } = await control<{ object: Stripe.Subscription }>(sim, 'POST', '/_sim/trigger', { type: 'invoice.paid', object: { metadata: { nself_entity_id: 'e2' } }, deliver: { all: false } });
    const [paid] = verified('/connect', CONNECT_SECRET);
    expect(paid?.api_version).toBe(BASIL);
    const invoice = plain(paid?.data.object);
    expect(invoice).not.toHaveProperty('subscription');
    expect(invoice.parent).toMatchObject({ type: 'subscription_details', subscription_details: { metadata: { nself_entity_id: 'e2' }, subscription: expect.stringMatching(/^sub_/) } });
    expect(body.object).toMatchObject({ object: 'invoice' });
    await control(sim, 'POST', '/_sim/trigger', { type: 'payment_intent.succeeded' });
    const [platform] = verified('/platform', PLATFORM_SECRET);
    expect(platform?.api_version).toBe('2024-12-18.acacia');
    const deliveries = sim.state.deliveries.filter((d) => d.event_id === paid?.id);
    expect(deliveries[0]?.api_version).toBe(BASIL);
  });

  it('a basil endpoint gets subscription events without subscription-level periods', async () => {
    sim.setWebhookTargets({ connectWebhookApiVersion: BASIL });
    await control(sim, 'POST', '/_sim/trigger', { type: 'customer.subscription.updated' });
    const [updated] = verified('/connect', CONNECT_SECRET).filter((e) => e.type === 'customer.subscription.updated');
    const sub = plain(updated?.data.object);
    expect(sub).not.toHaveProperty('current_period_end');
    expect(items(sub)[0]?.current_period_end).toEqual(expect.any(Number));
    expect(updated?.data.previous_attributes).toEqual({ cancel_at_period_end: false, cancel_at: null });
  });

  it('keeps api_version null on a deauthorization, whatever the endpoint’s version', async () => {
    sim.setWebhookTargets({ connectWebhookApiVersion: BASIL });
    await control(sim, 'POST', '/_sim/trigger', { type: 'account.application.deauthorized' });
    const [event] = verified('/connect', CONNECT_SECRET);
    expect(event?.api_version).toBeNull();
  });

  it('sends a hand-made event as given', async () => {
    sim.setWebhookTargets({ connectWebhookApiVersion: BASIL });
    const event = { id: 'evt_handmade', object: 'event', api_version: '2024-12-18.acacia', account: 'acct_1', type: 'customer.subscription.updated', data: { object: { id: 'sub_1', object: 'subscription', current_period_end: 5, items: { data: [] } } } };
    await control(sim, 'POST', '/_sim/deliver', { event });
    const [got] = verified('/connect', CONNECT_SECRET);
    expect(plain(got)).toEqual(event);
  });

  it('refuses a version it does not model, changing nothing', async () => {
    const refused = await control<{ error: { message: string } }>(sim, 'POST', '/_sim/config', { connectWebhookApiVersion: BASIL, platformWebhookApiVersion: '2023-10-16' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('platformWebhookApiVersion must be one of');
    expect((await control<Loose>(sim, 'GET', '/_sim/config')).body.connectWebhookApiVersion).toBe('2024-12-18.acacia');
    expect(() => sim.setWebhookTargets({ platformWebhookApiVersion: '2099-01-01.nope' })).toThrow(/Invalid Stripe API version/);
  });

  it('shows a change of period to a basil endpoint as the items’ previous periods', () => {
    const sub = { id: 'sub_1', object: 'subscription', current_period_start: 200, current_period_end: 300, items: { object: 'list', data: [{ id: 'si_1', object: 'subscription_item', quantity: 1 }] } };
    const event = { id: 'evt_1', object: 'event', api_version: '2024-12-18.acacia', type: 'customer.subscription.updated', data: { object: sub, previous_attributes: { current_period_start: 100, current_period_end: 200 } } };
    const rendered = renderEvent(event, BASIL, 'basil');
    expect(rendered.api_version).toBe(BASIL);
    expect(rendered.data).toEqual({
      object: { id: 'sub_1', object: 'subscription', items: { object: 'list', data: [{ id: 'si_1', object: 'subscription_item', quantity: 1, current_period_start: 200, current_period_end: 300 }] } },
      previous_attributes: { items: { object: 'list', data: [{ id: 'si_1', object: 'subscription_item', quantity: 1, current_period_start: 100, current_period_end: 200 }] } },
    });
    expect(event.data.object.current_period_end).toBe(300);
  });

  it('retries render in the endpoint’s version at the time of each attempt', async () => {
    let calls = 0;
    receiver.respond = () => (++calls === 1 ? 500 : 200);
    try {
      await control(sim, 'POST', '/_sim/trigger', { type: 'transfer.created' });
      sim.setWebhookTargets({ platformWebhookApiVersion: BASIL });
      await waitFor(() => receiver.received.length >= 2);
      expect(receiver.received.map((d) => (JSON.parse(d.body) as Loose).api_version)).toEqual(['2024-12-18.acacia', BASIL]);
    } finally {
      receiver.respond = () => 200;
    }
  });
});
