import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Simulator } from '../../src/sim/index.js';
import { CONNECT_SECRET, control, onboardedAccount, recurringPrice, simulatorWithReceiver, type WebhookReceiver } from './helpers.js';

let sim: Simulator;
let stripe: Stripe;
let receiver: WebhookReceiver;

simulatorWithReceiver((h) => ({ sim, stripe, receiver } = h));

const connectEvents = (): Stripe.Event[] => receiver.verifiedEvents(stripe, '/connect', CONNECT_SECRET);

/** Submits the hosted Checkout page with one of its buttons (`#pay` by card, `#pay-bank-debit`). */
async function payPage(url: string, button: 'pay' | 'pay-bank-debit'): Promise<Response> {
  const html = await (await fetch(url)).text();
  expect(html).toContain(`id="${button}"`);
  const form: Record<string, string> = { email: 'buyer@example.com', ...(button === 'pay-bank-debit' ? { payment_method: 'us_bank_account' } : {}) };
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
}

// The SDK types its own API version; these acacia fields are read as the simulator answers them.
const acaciaInvoice = z.object({ id: z.string(), payment_intent: z.string(), customer: z.string(), amount_paid: z.number() });

const settle = (id: string, outcome: string) => control<{ events: Array<{ type: string }>; error?: { message: string } }>(sim, 'POST', `/_sim/checkout_sessions/${id}/settle`, { outcome });

async function session(mode: 'subscription' | 'payment'): Promise<{ account: string; session: Stripe.Checkout.Session }> {
  const account = (await onboardedAccount(sim, stripe)).id;
  const opts = { stripeAccount: account };
  const price = mode === 'subscription' ? await recurringPrice(stripe, account) : await stripe.prices.create({ currency: 'usd', unit_amount: 4000, product_data: { name: 'Pass' } }, opts);
  const created = await stripe.checkout.sessions.create({ mode, line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://svc.test/ok' }, opts);
  receiver.received.length = 0;
  return { account, session: created };
}

describe('Checkout paid by card', () => {
  it('a subscription sends the invoice’s invoice.paid and invoice.payment_succeeded and its payment_intent.succeeded, as Stripe does', async () => {
    const { account, session: s } = await session('subscription');
    expect((await payPage(String(s.url), 'pay')).status).toBe(302);
    const events = connectEvents();
    expect(events.map((e) => e.type)).toEqual(['checkout.session.completed', 'customer.subscription.created', 'invoice.paid', 'invoice.payment_succeeded', 'payment_intent.succeeded']);
    const invoice = acaciaInvoice.parse(events[2]!.data.object);
    const intent = events[4]!.data.object as Stripe.PaymentIntent;
    expect(intent).toMatchObject({ id: invoice.payment_intent, status: 'succeeded', invoice: invoice.id, customer: invoice.customer, amount_received: invoice.amount_paid });
    expect(acaciaInvoice.parse(await stripe.invoices.retrieve(invoice.id, {}, { stripeAccount: account })).payment_intent).toBe(intent.id);
  });
});

describe('Checkout paid by bank debit (a delayed-notification method)', () => {
  it('a subscription session completes unpaid, incomplete; settling pays the invoice, activates the subscription, then async_payment_succeeded', async () => {
    const { account, session: s } = await session('subscription');
    const opts = { stripeAccount: account };
    expect((await payPage(String(s.url), 'pay-bank-debit')).status).toBe(302);
    expect(connectEvents().map((e) => e.type)).toEqual(['checkout.session.completed', 'customer.subscription.created', 'payment_intent.processing']);
    const completed = await stripe.checkout.sessions.retrieve(s.id, { expand: ['subscription', 'invoice'] }, opts);
    expect(completed).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    expect((completed.subscription as Stripe.Subscription).status).toBe('incomplete');
    expect(completed.invoice).toMatchObject({ status: 'open', paid: false });
    const invoice = acaciaInvoice.parse(completed.invoice);
    const intent = await stripe.paymentIntents.retrieve(invoice.payment_intent, {}, opts);
    expect(intent).toMatchObject({ status: 'processing', payment_method_types: ['us_bank_account'] });
    expect(await stripe.charges.retrieve(String(intent.latest_charge), {}, opts)).toMatchObject({ status: 'pending', paid: false, payment_method_details: { type: 'us_bank_account' } });

    receiver.received.length = 0;
    const settled = await settle(s.id, 'succeeded');
    expect(settled.status).toBe(200);
    const types = ['invoice.paid', 'invoice.payment_succeeded', 'payment_intent.succeeded', 'customer.subscription.updated', 'checkout.session.async_payment_succeeded'];
    expect(settled.body.events.map((e) => e.type)).toEqual(types);
    const events = connectEvents();
    expect(events.map((e) => e.type)).toEqual(types);
    expect(events[3]!.data).toMatchObject({ object: { status: 'active' }, previous_attributes: { status: 'incomplete' } });
    expect(events[4]!.data.object).toMatchObject({ id: s.id, payment_status: 'paid', status: 'complete' });
    expect(await stripe.invoices.retrieve(invoice.id, {}, opts)).toMatchObject({ status: 'paid', paid: true, attempt_count: 1 });

    const again = await settle(s.id, 'failed');
    expect(again.status).toBe(400);
    expect(again.body.error?.message).toMatch(/no payment waiting to settle/);
  });

  it('a payment session whose debit fails: payment_intent.payment_failed, then async_payment_failed, still unpaid', async () => {
    const { account, session: s } = await session('payment');
    const opts = { stripeAccount: account };
    await payPage(String(s.url), 'pay-bank-debit');
    expect(connectEvents().map((e) => e.type)).toEqual(['checkout.session.completed', 'payment_intent.processing']);
    expect(connectEvents()[0]!.data.object).toMatchObject({ payment_status: 'unpaid', status: 'complete' });
    receiver.received.length = 0;
    expect((await settle(s.id, 'failed')).body.events.map((e) => e.type)).toEqual(['payment_intent.payment_failed', 'checkout.session.async_payment_failed']);
    const failed = connectEvents()[1]!.data.object as Stripe.Checkout.Session;
    expect(failed).toMatchObject({ id: s.id, payment_status: 'unpaid' });
    const intent = await stripe.paymentIntents.retrieve(String(failed.payment_intent), {}, opts);
    expect(intent).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'insufficient_funds' } });
    expect(await stripe.charges.retrieve(String(intent.latest_charge), {}, opts)).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' });
  });

  it('refuses a settle for a session paid by card, an open one, or an unknown outcome', async () => {
    const { session: open } = await session('payment');
    expect((await settle(open.id, 'succeeded')).status).toBe(400);
    expect((await settle(open.id, 'maybe')).status).toBe(400);
    await payPage(String(open.url), 'pay');
    expect((await settle(open.id, 'succeeded')).status).toBe(400);
    expect((await settle('cs_test_nope', 'succeeded')).status).toBe(404);
  });

  it.each([
    ['checkout.session.async_payment_succeeded', 'paid'],
    ['checkout.session.async_payment_failed', 'unpaid'],
  ])('/_sim/trigger %s completes a session unpaid, then settles it', async (type, paymentStatus) => {
    const res = await control<{ events: Stripe.Event[]; all_events: Array<{ type: string }> }>(sim, 'POST', '/_sim/trigger', { type, mode: 'payment', object: { metadata: { nself_entity_id: 'e1' } } });
    expect(res.status).toBe(200);
    expect(res.body.all_events[0]?.type).toBe('checkout.session.completed');
    expect(res.body.events.map((e) => e.type)).toEqual([type]);
    expect(res.body.events[0]!.data.object).toMatchObject({ payment_status: paymentStatus, metadata: { nself_entity_id: 'e1' } });
  });
});
