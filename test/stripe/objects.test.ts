import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createStripeClient } from '../../src/stripe/client.js';
import { readAccount } from '../../src/stripe/objects/account.js';
import { readCheckoutSession } from '../../src/stripe/objects/checkout-session.js';
import { readInvoice } from '../../src/stripe/objects/invoice.js';
import { readCharge, readDispute, readPaymentIntent, readTransfer } from '../../src/stripe/objects/payments.js';
import { MalformedStripeObject } from '../../src/stripe/objects/read.js';
import { readSubscription } from '../../src/stripe/objects/subscription.js';
import { testConfig } from '../helpers/config.js';

/**
 * The object schemas (src/stripe/objects) against what the simulator answers in each API version
 * we accept: the same Stripe object, retrieved with `Stripe-Version: 2024-12-18.acacia` and with
 * `2025-03-31.basil`, reads into the same normalised object although the two shapes differ.
 */

const ACACIA = '2024-12-18.acacia';
const BASIL = '2025-03-31.basil';
const metadata = { nself_tenant_id: '4f1c6f0e-1d7e-4a5b-9a52-5a2f8f0c1b11', nself_entity_id: 'buyer-1', nself_capabilities: 'pro' };

let sim: Simulator;
let stripe: Stripe;

async function trigger(body: Record<string, unknown>): Promise<{ object: { id: string }; events: Array<{ account?: string }> }> {
  const res = await fetch(`${sim.url}/_sim/trigger`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`trigger: ${res.status} ${await res.text()}`);
  return (await res.json()) as { object: { id: string }; events: Array<{ account?: string }> };
}

/** The same object in acacia's and in basil's shape, as Stripe answers a request in each version. */
async function inBothVersions<T>(get: (opts: Stripe.RequestOptions) => Promise<T>, account?: string): Promise<[T, T]> {
  const under = account ? { stripeAccount: account } : {};
  return [await get({ ...under, apiVersion: ACACIA }), await get({ ...under, apiVersion: BASIL })];
}

/** A plain JSON view of an SDK answer, to look at the fields the SDK's own types do not name. */
const plain = (v: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  stripe = createStripeClient(testConfig({ STRIPE_API_BASE: sim.url }), { maxNetworkRetries: 0 });
});
afterAll(async () => {
  await sim?.close();
});

describe('a Stripe object reads the same in acacia and basil', () => {
  it('a subscription: its period from the subscription (acacia) or from its items (basil)', async () => {
    const { object, events } = await trigger({ type: 'customer.subscription.created', object: { metadata } });
    const [acacia, basil] = await inBothVersions((o) => stripe.subscriptions.retrieve(object.id, {}, o), events[0]?.account);
    expect(plain(acacia).current_period_end).toEqual(expect.any(Number));
    expect(plain(basil)).not.toHaveProperty('current_period_end');
    const a = readSubscription(acacia, 'acacia');
    expect(readSubscription(basil, 'basil')).toEqual(a);
    expect(a).toMatchObject({ id: object.id, status: 'active', customerId: expect.stringMatching(/^cus_/), metadata });
    expect(a.periodEnd?.getTime()).toBe(Number(plain(acacia).current_period_end) * 1000);
    expect(a.items).toEqual([expect.objectContaining({ quantity: 1, periodEnd: a.periodEnd })]);
  });

  it("an invoice: its subscription and the subscription's metadata from subscription_details (acacia) or parent (basil)", async () => {
    const { object, events } = await trigger({ type: 'invoice.payment_failed', object: { metadata } });
    const [acacia, basil] = await inBothVersions((o) => stripe.invoices.retrieve(object.id, {}, o), events[0]?.account);
    expect(plain(acacia).subscription).toEqual(expect.stringMatching(/^sub_/));
    expect(plain(basil)).not.toHaveProperty('subscription');
    const a = readInvoice(acacia, 'acacia');
    expect(readInvoice(basil, 'basil')).toEqual(a);
    expect(a).toMatchObject({ subscriptionId: plain(acacia).subscription, subscriptionMetadata: metadata, status: 'open', attempted: true });
  });

  it('a payment intent, a charge, a dispute and a transfer', async () => {
    const refunded = await trigger({ type: 'charge.refunded' });
    const [chargeA, chargeB] = await inBothVersions((o) => stripe.charges.retrieve(refunded.object.id, {}, o));
    const charge = readCharge(chargeA, 'acacia');
    expect(readCharge(chargeB, 'basil')).toEqual(charge);
    expect(charge.amountRefunded).toBe(charge.amount);
    const [intentA, intentB] = await inBothVersions((o) => stripe.paymentIntents.retrieve(charge.paymentIntentId!, {}, o));
    expect(readPaymentIntent(intentB, 'basil')).toEqual(readPaymentIntent(intentA, 'acacia'));
    const disputed = await trigger({ type: 'charge.dispute.created' });
    const [disputeA, disputeB] = await inBothVersions((o) => stripe.disputes.retrieve(disputed.object.id, {}, o));
    expect(readDispute(disputeB, 'basil')).toEqual(readDispute(disputeA, 'acacia'));
    expect(readDispute(disputeA, 'acacia').chargeId).toEqual(expect.stringMatching(/^ch_/));
    const transferred = await trigger({ type: 'transfer.created' });
    const [transferA, transferB] = await inBothVersions((o) => stripe.transfers.retrieve(transferred.object.id, {}, o));
    expect(readTransfer(transferB, 'basil')).toEqual(readTransfer(transferA, 'acacia'));
    expect(readTransfer(transferA, 'acacia').destination).toEqual(expect.stringMatching(/^acct_/));
  });

  it('a checkout session: mode, payment status and what it bought', async () => {
    const { object, events } = await trigger({ type: 'checkout.session.completed', object: { metadata } });
    const [acacia, basil] = await inBothVersions((o) => stripe.checkout.sessions.retrieve(object.id, {}, o), events[0]?.account);
    const a = readCheckoutSession(acacia, 'acacia');
    expect(readCheckoutSession(basil, 'basil')).toEqual(a);
    expect(a).toMatchObject({ id: object.id, mode: 'subscription', paymentStatus: 'paid', subscriptionId: expect.stringMatching(/^sub_/), metadata });
    expect(() => readCheckoutSession({ ...plain(acacia), payment_status: null }, 'checkout.session.completed', 'data.object')).toThrow(
      'checkout.session.completed: data.object.payment_status: expected string, received null',
    );
  });

  it('an account: requirements due as currently_due ∪ past_due, flags false when absent', async () => {
    const created = await stripe.accounts.create({ type: 'express', email: 'op@example.com', metadata });
    const [acacia, basil] = await inBothVersions((o) => stripe.accounts.retrieve(created.id, {}, o));
    const a = readAccount(acacia, 'acacia');
    expect(readAccount(basil, 'basil')).toEqual(a);
    expect(a).toMatchObject({ id: created.id, chargesEnabled: false, metadata, email: 'op@example.com' });
    const partial = readAccount({ id: 'acct_1', object: 'account', requirements: { currently_due: ['b', 'a'], past_due: ['a', 'c'] } }, 'test');
    expect(partial).toMatchObject({ detailsSubmitted: false, requirementsDue: ['a', 'b', 'c'], disabledReason: null, metadata: {} });
  });
});

describe('an object that matches no shape we read', () => {
  const subscription = (over: Record<string, unknown>) => ({
    id: 'sub_1',
    object: 'subscription',
    status: 'active',
    customer: 'cus_1',
    metadata: {},
    items: { object: 'list', data: [{ id: 'si_1', object: 'subscription_item', quantity: 2 }] },
    ...over,
  });
  const problem = (value: unknown): string => {
    try {
      readSubscription(value, 'customer.subscription.updated', 'data.object');
    } catch (err) {
      expect(err).toBeInstanceOf(MalformedStripeObject);
      return (err as Error).message;
    }
    throw new Error('read without complaint');
  };

  it('is refused with a reason naming the field, not a TypeError', () => {
    expect(problem(subscription({ items: { data: [{ id: 'si_1', quantity: '2' }] } }))).toBe(
      'customer.subscription.updated: data.object.items.data[0].quantity: expected number, received string',
    );
    expect(problem(subscription({ status: undefined }))).toBe('customer.subscription.updated: data.object.status: expected string, received undefined');
    expect(problem(subscription({ object: 'invoice' }))).toBe('customer.subscription.updated: data.object.object: expected "subscription"');
    expect(problem(subscription({ customer: 42 }))).toBe('customer.subscription.updated: data.object.customer: expected an id or an object with an id');
    expect(problem(subscription({ metadata: { nself_entity_id: 7 } }))).toBe('customer.subscription.updated: data.object.metadata.nself_entity_id: expected string, received number');
    expect(problem(subscription({ metadata: { 'odd key': null } }))).toBe('customer.subscription.updated: data.object.metadata["odd key"]: expected string, received null');
    expect(problem('sub_1')).toBe('customer.subscription.updated: data.object: expected object, received string');
    expect(problem(subscription({ status: 1, customer: null }))).toMatch(/^customer\.subscription\.updated: data\.object\.status: expected string, received number \(and 1 more\)$/);
  });

  it('takes what either version may send: an expanded customer, no period at all, an item without a quantity', () => {
    const read = readSubscription(subscription({ customer: { id: 'cus_9', object: 'customer' }, items: { data: [{ id: 'si_1' }] } }), 'test');
    expect(read).toMatchObject({ customerId: 'cus_9', periodEnd: null, items: [{ id: 'si_1', quantity: null, periodEnd: null }] });
  });
});
