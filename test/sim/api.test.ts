import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { acaciaInvoice, acaciaSubscription, control, onboardedAccount, recurringPrice, SECRET_KEY, startTestSimulator, stripeFor } from './helpers.js';

let sim: Simulator;
let stripe: Stripe;

beforeAll(async () => {
  sim = await startTestSimulator();
  stripe = stripeFor(sim);
});
afterAll(async () => {
  await sim.close();
});

async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Stripe.errors.StripeError) return err;
    throw err;
  }
  throw new Error('expected a Stripe error');
}

describe('accounts', () => {
  it('creates an Express account that still has requirements due', async () => {
    const account = await stripe.accounts.create({ type: 'express', email: 'op@example.com', metadata: { nself_entity_id: 'e1' } });
    expect(account.id).toMatch(/^acct_/);
    expect(account.object).toBe('account');
    expect(account.type).toBe('express');
    expect(account.country).toBe('US');
    expect(account.charges_enabled).toBe(false);
    expect(account.payouts_enabled).toBe(false);
    expect(account.details_submitted).toBe(false);
    expect(account.requirements?.currently_due?.length).toBeGreaterThan(0);
    expect(account.metadata).toEqual({ nself_entity_id: 'e1' });
    expect(account.controller?.stripe_dashboard?.type).toBe('express');
  });

  it('retrieves, updates metadata, lists and deletes', async () => {
    const account = await stripe.accounts.create({ controller: { stripe_dashboard: { type: 'express' }, fees: { payer: 'application' }, losses: { payments: 'application' } } });
    expect(account.type).toBe('express');
    const updated = await stripe.accounts.update(account.id, { metadata: { a: '1' } });
    expect(updated.metadata).toEqual({ a: '1' });
    expect((await stripe.accounts.retrieve(account.id)).metadata).toEqual({ a: '1' });
    const list = await stripe.accounts.list({ limit: 100 });
    expect(list.object).toBe('list');
    expect(list.url).toBe('/v1/accounts');
    expect(list.data.map((a) => a.id)).toContain(account.id);
    const deleted = await stripe.accounts.del(account.id);
    expect(deleted).toMatchObject({ id: account.id, object: 'account', deleted: true });
    const err = await stripeError(stripe.accounts.retrieve(account.id));
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('account_invalid');
  });

  it('pages lists with limit and starting_after', async () => {
    for (let i = 0; i < 3; i++) await stripe.customers.create({ email: `page${i}@example.com` });
    const first = await stripe.customers.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const next = await stripe.customers.list({ limit: 2, starting_after: first.data[1]?.id });
    expect(next.data[0]?.id).not.toBe(first.data[1]?.id);
  });

  it('refuses a login link before onboarding and gives one after', async () => {
    const account = await stripe.accounts.create({ type: 'express' });
    const err = await stripeError(stripe.accounts.createLoginLink(account.id));
    expect(err.statusCode).toBe(400);
    const done = await onboardedAccount(sim, stripe);
    expect(done.charges_enabled).toBe(true);
    expect(done.requirements?.currently_due).toEqual([]);
    const link = await stripe.accounts.createLoginLink(done.id);
    expect(link.object).toBe('login_link');
    expect(link.url.startsWith(`${sim.url}/express/${done.id}/`)).toBe(true);
    expect((await fetch(link.url)).status).toBe(200);
  });

  it('creates account links that expire in 5 minutes', async () => {
    const account = await stripe.accounts.create({ type: 'express' });
    const link = await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', refresh_url: 'https://x.test/refresh', return_url: 'https://x.test/return' });
    expect(link.object).toBe('account_link');
    expect(link.expires_at - link.created).toBe(300);
    expect(link.url).toMatch(new RegExp(`^${sim.url}/setup/e/${account.id}/\\w+$`));
  });
});

describe('errors', () => {
  it('answers 401 with a masked key for a bad key', async () => {
    const bad = stripeFor(sim, 'sk_test_wrongwrongwrongwrong1234');
    const err = await stripeError(bad.accounts.list());
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.statusCode).toBe(401);
    expect(err.message).toBe('Invalid API Key provided: sk_test_****1234');
    expect(err.message).not.toContain('wrongwrong');
  });

  it('answers 401 without a key, and accepts basic auth', async () => {
    const none = await fetch(`${sim.url}/v1/accounts`);
    expect(none.status).toBe(401);
    expect(none.headers.get('request-id')).toMatch(/^req_/);
    const basic = await fetch(`${sim.url}/v1/accounts`, { headers: { authorization: `Basic ${Buffer.from(`${SECRET_KEY}:`).toString('base64')}` } });
    expect(basic.status).toBe(200);
  });

  it('refuses a Stripe-Version that does not exist, and one it cannot answer in', async () => {
    const ask = async (version: string): Promise<{ status: number; message: unknown }> => {
      const res = await fetch(`${sim.url}/v1/accounts`, { headers: { authorization: `Bearer ${SECRET_KEY}`, 'stripe-version': version } });
      const body = (await res.json()) as { error?: { message?: unknown } };
      return { status: res.status, message: body.error?.message };
    };
    expect(await ask('banana')).toEqual({ status: 400, message: 'Invalid Stripe API version: banana' });
    expect(await ask('2024-12-19.acacia')).toEqual({ status: 400, message: 'Invalid Stripe API version: 2024-12-19.acacia' });
    // A real version whose shapes the simulator does not model is refused, not answered in the wrong shape.
    const older = await ask('2023-10-16');
    expect(older.status).toBe(400);
    expect(String(older.message)).toContain('does not model');
    expect((await ask('2024-12-18.acacia')).status).toBe(200);
    expect((await ask('2025-03-31.basil')).status).toBe(200);
  });

  it('reports missing params the way Stripe does', async () => {
    const err = await stripeError(stripe.accountLinks.create({ account: 'acct_x', type: 'account_onboarding', return_url: 'https://x.test' } as Stripe.AccountLinkCreateParams));
    expect(err.statusCode).toBe(400);
    expect(err.type).toBe('StripeInvalidRequestError');
    expect(err.code).toBe('parameter_missing');
    expect(err.param).toBe('refresh_url');
    expect(err.message).toBe('Missing required param: refresh_url.');
  });

  it('answers 404 resource_missing for an unknown id', async () => {
    const err = await stripeError(stripe.customers.retrieve('cus_doesnotexist'));
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('resource_missing');
    expect(err.param).toBe('id');
    expect(err.requestId).toMatch(/^req_/);
  });

  it('refuses an unknown Stripe-Account with 403 account_invalid', async () => {
    const err = await stripeError(stripe.customers.list({}, { stripeAccount: 'acct_1Unknown0000000' }));
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('account_invalid');
  });

  it('keeps objects under one account invisible to others', async () => {
    const a = await onboardedAccount(sim, stripe);
    const b = await onboardedAccount(sim, stripe);
    const customer = await stripe.customers.create({ email: 'x@example.com' }, { stripeAccount: a.id });
    expect((await stripe.customers.retrieve(customer.id, {}, { stripeAccount: a.id })).id).toBe(customer.id);
    expect((await stripeError(stripe.customers.retrieve(customer.id, {}, { stripeAccount: b.id }))).statusCode).toBe(404);
    expect((await stripeError(stripe.customers.retrieve(customer.id))).code).toBe('resource_missing');
  });

  it('answers 404 for an unknown route', async () => {
    const res = await fetch(`${sim.url}/v1/nope`, { headers: { authorization: `Bearer ${SECRET_KEY}` } });
    expect(res.status).toBe(404);
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and params', async () => {
    const first = await stripe.accounts.create({ type: 'express', email: 'idem@example.com' }, { idempotencyKey: 'idem-1' });
    const second = await stripe.accounts.create({ type: 'express', email: 'idem@example.com' }, { idempotencyKey: 'idem-1' });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses the same key with different params', async () => {
    await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'idem-2' });
    const err = await stripeError(stripe.customers.create({ email: 'b@example.com' }, { idempotencyKey: 'idem-2' }));
    expect(err.statusCode).toBe(400);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('creates exactly one object for 10 concurrent requests with one key', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => stripe.accounts.create({ type: 'express', metadata: { k: 'concurrent' } }, { idempotencyKey: 'idem-concurrent' })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    const all = await stripe.accounts.list({ limit: 100 });
    expect(all.data.filter((a) => a.metadata?.k === 'concurrent')).toHaveLength(1);
  });

  it('scopes keys per account', async () => {
    const a = await onboardedAccount(sim, stripe);
    const onPlatform = await stripe.customers.create({ email: 'scope@example.com' }, { idempotencyKey: 'idem-scope' });
    const onAccount = await stripe.customers.create({ email: 'scope@example.com' }, { idempotencyKey: 'idem-scope', stripeAccount: a.id });
    expect(onAccount.id).not.toBe(onPlatform.id);
  });
});

describe('catalog and customers', () => {
  it('creates products and prices on the platform and under an account', async () => {
    const product = await stripe.products.create({ name: 'Seats' });
    expect(product.object).toBe('product');
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' }, lookup_key: 'seats_monthly' });
    expect(price).toMatchObject({ object: 'price', type: 'recurring', unit_amount: 1500, product: product.id });
    // The simulator answers Stripe's decimal string; stripe-node (21 and later) reads it into a Stripe.Decimal.
    expect(String(price.unit_amount_decimal)).toBe('1500');
    expect((await stripe.prices.list({ lookup_keys: ['seats_monthly'] })).data.map((p) => p.id)).toEqual([price.id]);
    expect((await stripe.prices.retrieve(price.id)).id).toBe(price.id);
    const account = await onboardedAccount(sim, stripe);
    const onAccount = await recurringPrice(stripe, account.id);
    expect((await stripeError(stripe.prices.retrieve(onAccount.id))).statusCode).toBe(404);
    const oneTime = await stripe.prices.create({ currency: 'usd', unit_amount: 900, product_data: { name: 'Pack' } }, { stripeAccount: account.id });
    expect(oneTime.type).toBe('one_time');
    expect(oneTime.recurring).toBeNull();
    expect((await stripe.products.retrieve(String(oneTime.product), {}, { stripeAccount: account.id })).name).toBe('Pack');
  });

  it('creates, retrieves and lists customers', async () => {
    const customer = await stripe.customers.create({ email: 'c@example.com', metadata: { x: 'y' } });
    expect(customer).toMatchObject({ object: 'customer', email: 'c@example.com', metadata: { x: 'y' } });
    expect((await stripe.customers.retrieve(customer.id)).id).toBe(customer.id);
    expect((await stripe.customers.list({ email: 'c@example.com' })).data.map((c) => c.id)).toContain(customer.id);
  });
});

describe('checkout sessions', () => {
  it('creates a subscription session under a connected account', async () => {
    const account = await onboardedAccount(sim, stripe);
    const price = await recurringPrice(stripe, account.id);
    const session = await stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        line_items: [{ price: price.id, quantity: 2 }],
        success_url: 'https://x.test/ok?session={CHECKOUT_SESSION_ID}',
        cancel_url: 'https://x.test/cancel',
        customer_email: 'buyer@example.com',
        metadata: { nself_entity_id: 'e1' },
        subscription_data: { metadata: { nself_entity_id: 'e1' }, application_fee_percent: 10 },
        client_reference_id: 'ref-1',
      },
      { stripeAccount: account.id },
    );
    expect(session).toMatchObject({ object: 'checkout.session', status: 'open', payment_status: 'unpaid', mode: 'subscription', amount_total: 4000, client_reference_id: 'ref-1' });
    expect(session.url).toBe(`${sim.url}/c/pay/${session.id}`);
    expect(session.expires_at - session.created).toBe(86400);
    const fetched = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items'] }, { stripeAccount: account.id });
    expect(fetched.line_items?.data[0]?.quantity).toBe(2);
    expect((await stripe.checkout.sessions.listLineItems(session.id, {}, { stripeAccount: account.id })).data).toHaveLength(1);
    expect((await stripe.checkout.sessions.list({}, { stripeAccount: account.id })).data.map((s) => s.id)).toContain(session.id);
    expect((await stripeError(stripe.checkout.sessions.retrieve(session.id))).statusCode).toBe(404);
    const expired = await stripe.checkout.sessions.expire(session.id, {}, { stripeAccount: account.id });
    expect(expired.status).toBe('expired');
    expect((await stripeError(stripe.checkout.sessions.expire(session.id, {}, { stripeAccount: account.id }))).statusCode).toBe(400);
  });

  it('refuses a price from another account, and a mode that does not fit the price', async () => {
    const account = await onboardedAccount(sim, stripe);
    const platformPrice = await recurringPrice(stripe, undefined);
    const missing = await stripeError(
      stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: platformPrice.id, quantity: 1 }], success_url: 'https://x.test' }, { stripeAccount: account.id }),
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.code).toBe('resource_missing');
    expect(missing.param).toBe('line_items[0][price]');
    const price = await recurringPrice(stripe, account.id);
    const wrongMode = await stripeError(
      stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://x.test' }, { stripeAccount: account.id }),
    );
    expect(wrongMode.statusCode).toBe(400);
    expect(wrongMode.message).toContain('recurring price');
    const noSuccess = await stripeError(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }] }, { stripeAccount: account.id }));
    expect(noSuccess.param).toBe('success_url');
  });
});

describe('checkout sessions and customers', () => {
  it('a session for an existing customer pays as that customer; customer and customer_email exclude each other', async () => {
    const account = await onboardedAccount(sim, stripe);
    const opts = { stripeAccount: account.id };
    const customer = await stripe.customers.create({ email: 'known@example.com' }, opts);
    const price = await recurringPrice(stripe, account.id);
    const both = await stripeError(stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, customer_email: 'x@example.com', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://x.test' }, opts));
    expect(both.message).toBe('You may only specify one of these parameters: customer, customer_email.');
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://x.test' }, opts);
    expect(session.customer).toBe(customer.id);
    await fetch(String(session.url), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] }, opts);
    expect(paid.customer).toBe(customer.id);
    expect(paid.customer_details?.email).toBe('known@example.com');
    expect((paid.subscription as Stripe.Subscription).customer).toBe(customer.id);
  });

  it('shows customer_creation as asked, and refuses a fee percent with more than two decimals in Stripe’s words', async () => {
    const account = await onboardedAccount(sim, stripe);
    const opts = { stripeAccount: account.id };
    const once = await stripe.prices.create({ currency: 'usd', unit_amount: 500, product_data: { name: 'Once' } }, opts);
    const always = await stripe.checkout.sessions.create({ mode: 'payment', customer_creation: 'always', line_items: [{ price: once.id, quantity: 1 }], success_url: 'https://x.test' }, opts);
    expect(always.customer_creation).toBe('always');
    const price = await recurringPrice(stripe, account.id);
    const fee = await stripeError(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://x.test', subscription_data: { application_fee_percent: 12.345 } }, opts));
    expect(fee).toMatchObject({ statusCode: 400, param: 'subscription_data[application_fee_percent]', message: 'Invalid decimal: 12.345; must contain at maximum two decimal places.' });
  });
});

describe('subscriptions and payments', () => {
  it('retrieves, lists, updates and cancels a triggered subscription', async () => {
    const account = await onboardedAccount(sim, stripe);
    const trig = await control<{ object: Stripe.Subscription }>(sim, 'POST', '/_sim/trigger', { type: 'customer.subscription.created', account: account.id, object: { metadata: { nself_entity_id: 'e9' } } });
    expect(trig.status).toBe(200);
    const id = trig.body.object.id;
    const opts = { stripeAccount: account.id };
    const sub = await stripe.subscriptions.retrieve(id, { expand: ['latest_invoice'] }, opts);
    expect(sub.status).toBe('active');
    expect(sub.metadata).toEqual({ nself_entity_id: 'e9' });
    // acacia keeps the period on the subscription only (basil moved it onto the items).
    const period = acaciaSubscription.parse(sub);
    expect(period.current_period_end).toBeGreaterThan(period.current_period_start);
    expect(sub.items.data[0]).not.toHaveProperty('current_period_end');
    expect(typeof sub.latest_invoice === 'object' && sub.latest_invoice?.status).toBe('paid');
    const invoice = sub.latest_invoice as Stripe.Invoice;
    const pi = await stripe.paymentIntents.retrieve(String(acaciaInvoice.parse(invoice).payment_intent), {}, opts);
    expect(pi.status).toBe('succeeded');
    expect((await stripe.charges.retrieve(String(pi.latest_charge), {}, opts)).paid).toBe(true);
    expect(acaciaInvoice.parse(await stripe.invoices.retrieve(invoice.id, {}, opts)).paid).toBe(true);
    expect((await stripe.subscriptions.list({ customer: String(sub.customer) }, opts)).data.map((s) => s.id)).toEqual([id]);
    const updated = await stripe.subscriptions.update(id, { cancel_at_period_end: true, metadata: { extra: '1' } }, opts);
    expect(updated.cancel_at_period_end).toBe(true);
    expect(updated.metadata).toEqual({ nself_entity_id: 'e9', extra: '1' });
    const canceled = await stripe.subscriptions.cancel(id, {}, opts);
    expect(canceled.status).toBe('canceled');
    expect((await stripe.subscriptions.list({}, opts)).data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ status: 'all' }, opts)).data).toHaveLength(1);
    const events = await stripe.events.list({ type: 'customer.subscription.deleted' }, opts);
    expect(events.data[0]?.data.object).toMatchObject({ id, status: 'canceled' });
    expect((await stripe.events.retrieve(String(events.data[0]?.id), {}, opts)).type).toBe('customer.subscription.deleted');
  });

  it('refunds a charge and creates transfers', async () => {
    const trig = await control<{ object: Stripe.PaymentIntent }>(sim, 'POST', '/_sim/trigger', { type: 'payment_intent.succeeded' });
    const refund = await stripe.refunds.create({ payment_intent: trig.body.object.id, amount: 500 });
    expect(refund).toMatchObject({ object: 'refund', amount: 500, status: 'succeeded' });
    const charge = await stripe.charges.retrieve(String(trig.body.object.latest_charge));
    expect(charge.amount_refunded).toBe(500);
    expect(charge.refunded).toBe(false);
    const account = await onboardedAccount(sim, stripe);
    const transfer = await stripe.transfers.create({ amount: 700, currency: 'usd', destination: account.id });
    expect(transfer).toMatchObject({ object: 'transfer', destination: account.id });
    expect((await stripe.transfers.retrieve(transfer.id)).amount).toBe(700);
  });
});

describe('request log', () => {
  it('records requests without the Authorization header', async () => {
    await control(sim, 'DELETE', '/_sim/requests');
    await stripe.customers.create({ email: 'log@example.com', metadata: { a: 'b' } }, { idempotencyKey: 'log-1' });
    const { body } = await control<{ data: Array<Record<string, unknown>> }>(sim, 'GET', '/_sim/requests?path=/v1/customers');
    const entry = body.data[0];
    expect(entry).toMatchObject({ method: 'POST', path: '/v1/customers', status: 200, body: { email: 'log@example.com', metadata: { a: 'b' } } });
    expect(entry?.headers).toMatchObject({ 'idempotency-key': 'log-1', 'stripe-version': '2024-12-18.acacia' });
    expect(JSON.stringify(body)).not.toContain(SECRET_KEY);
  });
});
