import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { endpointFor } from '../../src/sim/spec/endpoints.js';
import { onboardedAccount, recurringPrice, SECRET_KEY, startTestSimulator, stripeFor } from './helpers.js';

let sim: Simulator;
let stripe: Stripe;

beforeAll(async () => {
  sim = await startTestSimulator();
  stripe = stripeFor(sim);
});
afterAll(async () => {
  await sim.close();
});

interface Answer {
  status: number;
  error: Record<string, unknown>;
}

/** A raw API call, so the test controls every byte of the form (the SDK would type-check it away). */
async function raw(method: 'GET' | 'POST', path: string, form = '', headers: Record<string, string> = {}): Promise<Answer> {
  const url = method === 'GET' && form !== '' ? `${sim.url}${path}?${form}` : `${sim.url}${path}`;
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${SECRET_KEY}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: method === 'POST' ? form : undefined,
  });
  const body = (await res.json()) as { error?: Record<string, unknown> };
  return { status: res.status, error: body.error ?? {} };
}

async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Stripe.errors.StripeError) return err;
    throw err;
  }
  throw new Error('expected a Stripe error');
}

describe('requests are checked against Stripe’s request schema', () => {
  it('refuses an unknown top-level parameter with parameter_unknown', async () => {
    const { status, error } = await raw('POST', '/v1/customers', 'email=a%40example.com&bogus=1');
    expect(status).toBe(400);
    expect(error).toMatchObject({
      type: 'invalid_request_error',
      code: 'parameter_unknown',
      param: 'bogus',
      message: 'Received unknown parameter: bogus',
      doc_url: 'https://stripe.com/docs/error-codes/parameter-unknown',
    });
  });

  it('refuses an unknown nested parameter, naming it in brackets, and creates nothing', async () => {
    const account = await onboardedAccount(sim, stripe);
    const price = await stripe.prices.create({ currency: 'usd', unit_amount: 500, product_data: { name: 'Pack' } }, { stripeAccount: account.id });
    const params = {
      mode: 'payment',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://x.test/ok',
      payment_intent_data: { metadata: { a: 'b' }, bogus: '1' },
    } as unknown as Stripe.Checkout.SessionCreateParams;
    const err = await stripeError(stripe.checkout.sessions.create(params, { stripeAccount: account.id }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('parameter_unknown');
    expect(err.param).toBe('payment_intent_data[bogus]');
    expect(err.message).toBe('Received unknown parameter: payment_intent_data[bogus]');
    expect((await stripe.checkout.sessions.list({}, { stripeAccount: account.id })).data).toEqual([]);
    const inArray = await raw('POST', '/v1/checkout/sessions', `mode=payment&success_url=https%3A%2F%2Fx.test&line_items[0][price]=${price.id}&line_items[0][quantity]=1&line_items[0][colour]=red`, { 'stripe-account': account.id });
    expect(inArray.error).toMatchObject({ code: 'parameter_unknown', param: 'line_items[0][colour]' });
  });

  it('refuses a wrong type with Stripe’s wording for each type', async () => {
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['/v1/checkout/sessions', 'mode=payment&line_items[0][quantity]=two', { param: 'line_items[0][quantity]', message: 'Invalid integer: two', code: 'parameter_invalid_integer' }],
      ['/v1/checkout/sessions', 'mode=subscription&subscription_data[application_fee_percent]=ten', { param: 'subscription_data[application_fee_percent]', message: 'Invalid decimal: ten' }],
      ['/v1/products', 'name=P&active=yes', { param: 'active', message: 'Invalid boolean: yes' }],
      ['/v1/customers', 'metadata=plain', { param: 'metadata', message: 'Invalid hash' }],
      ['/v1/customers', 'expand=email', { param: 'expand', message: 'Invalid array' }],
      ['/v1/customers', 'email[inner]=x', { param: 'email', message: 'Invalid string: {"inner"=>"x"}' }],
    ];
    for (const [path, form, expected] of cases) {
      const { status, error } = await raw('POST', path, form);
      expect({ form, status }).toEqual({ form, status: 400 });
      expect(error).toMatchObject({ type: 'invalid_request_error', ...expected });
    }
  });

  it('refuses a value outside an enum, listing the allowed ones', async () => {
    const mode = await raw('POST', '/v1/checkout/sessions', 'mode=rental');
    expect(mode.error).toMatchObject({ param: 'mode', message: 'Invalid mode: must be one of payment, setup, or subscription' });
    const interval = await raw('POST', '/v1/prices', 'currency=usd&unit_amount=1&product_data[name]=x&recurring[interval]=fortnight');
    expect(interval.error).toMatchObject({ param: 'recurring[interval]', message: 'Invalid recurring[interval]: must be one of day, month, week, or year' });
  });

  it('refuses an empty string where the parameter cannot be unset, and accepts it where it can', async () => {
    const { error } = await raw('POST', '/v1/customers', 'email=');
    expect(error).toMatchObject({ code: 'parameter_invalid_empty', param: 'email' });
    expect(error.message).toBe("You passed an empty string for 'email'. We assume empty values are an attempt to unset a parameter; however 'email' cannot be unset. You should remove 'email' from your request or supply a non-empty value.");
    const customer = await stripe.customers.create({ metadata: { a: '1', b: '2' } });
    // `metadata=` clears and `metadata[k]=` deletes one key: both are Stripe's documented unsets.
    expect((await stripe.customers.update(customer.id, { metadata: { a: '' } })).metadata).toEqual({ b: '2' });
    expect((await stripe.customers.update(customer.id, { metadata: '' })).metadata).toEqual({});
  });

  it('reports a missing required parameter the spec requires', async () => {
    const { status, error } = await raw('POST', '/v1/account_links', 'refresh_url=https%3A%2F%2Fx.test&return_url=https%3A%2F%2Fx.test&type=account_onboarding');
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: 'parameter_missing', param: 'account', message: 'Missing required param: account.' });
  });

  it('checks GET query strings: list parameters and expand[]', async () => {
    expect((await raw('GET', '/v1/customers', 'limit=ten')).error).toMatchObject({ param: 'limit', message: 'Invalid integer: ten' });
    expect((await raw('GET', '/v1/customers', 'bogus=1')).error).toMatchObject({ code: 'parameter_unknown', param: 'bogus' });
    expect((await raw('GET', '/v1/subscriptions', 'status=sleeping')).error).toMatchObject({ param: 'status' });
    expect((await raw('GET', '/v1/customers', 'created[after]=1')).error).toMatchObject({ code: 'parameter_unknown', param: 'created[after]' });
    expect((await raw('GET', '/v1/customers', 'created[gte]=1&limit=3&expand[]=data.default_source')).status).toBe(200);
    expect((await raw('GET', '/v1/customers/cus_missing', 'limit=3')).error).toMatchObject({ code: 'parameter_unknown', param: 'limit' });
  });

  it('accepts everything the SDK sends for the service’s calls', async () => {
    const account = await stripe.accounts.create({
      type: 'express',
      email: 'ok@example.com',
      country: 'US',
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      metadata: { nself_tenant_id: 't', nself_entity_id: 'e' },
    });
    await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', refresh_url: 'https://x.test/r', return_url: 'https://x.test/b' });
    const seller = await onboardedAccount(sim, stripe);
    const opts = { stripeAccount: seller.id };
    const price = await recurringPrice(stripe, seller.id);
    const metadata = { nself_tenant_id: 't', nself_entity_id: 'e', nself_capabilities: 'a,b', nself_operator_entity_id: 'e' };
    const session = await stripe.checkout.sessions.create(
      { mode: 'subscription', line_items: [{ price: price.id, quantity: 2 }], success_url: 'https://x.test/ok', cancel_url: 'https://x.test/no', metadata, customer_email: 'b@example.com', subscription_data: { metadata, application_fee_percent: 12.5 } },
      { ...opts, idempotencyKey: 'service-like-1' },
    );
    expect(session.status).toBe('open');
    expect((await stripe.subscriptions.list({ status: 'all', limit: 100 }, opts)).object).toBe('list');
  });

  it('compiles an endpoint’s checks once and keeps them', () => {
    expect(endpointFor('POST', '/v1/customers')).toBe(endpointFor('POST', '/v1/customers'));
    expect(endpointFor('GET', '/v1/customers').check).not.toBeNull();
  });
});

describe('Stripe’s limits', () => {
  const keys = (n: number, prefix = 'k'): string => Array.from({ length: n }, (_, i) => `metadata[${prefix}${i}]=v`).join('&');

  it('metadata holds at most 50 keys, keys up to 40 characters, values up to 500', async () => {
    expect((await raw('POST', '/v1/customers', keys(50))).status).toBe(200);
    expect((await raw('POST', '/v1/customers', keys(51))).error).toMatchObject({
      param: 'metadata',
      message: "Metadata can have up to 50 keys, but you've set 51. Email us at support+metadata@stripe.com for more information.",
    });
    const key40 = 'k'.repeat(40);
    expect((await raw('POST', '/v1/customers', `metadata[${key40}]=v`)).status).toBe(200);
    expect((await raw('POST', '/v1/customers', `metadata[${key40}x]=v`)).error).toMatchObject({
      param: 'metadata',
      message: `Metadata keys can have up to 40 characters, but you passed in a key that is 41 characters. Invalid key: ${key40}x`,
    });
    const value500 = 'v'.repeat(500);
    expect((await raw('POST', '/v1/customers', `metadata[k]=${value500}`)).status).toBe(200);
    expect((await raw('POST', '/v1/customers', `metadata[k]=${value500}v`)).error).toMatchObject({
      param: 'metadata',
      message: `Metadata values can have up to 500 characters, but you passed in a value that is 501 characters. Invalid value: ${value500}v`,
    });
  });

  it('checks nested metadata, and the key count an update leaves', async () => {
    const nested = await raw('POST', '/v1/checkout/sessions', `mode=subscription&subscription_data[metadata][${'k'.repeat(41)}]=v`);
    expect(nested.error).toMatchObject({ param: 'subscription_data[metadata]' });
    const customer = await stripe.customers.create({ metadata: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`a${i}`, 'v'])) });
    const more = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`b${i}`, 'v']));
    const err = await stripeError(stripe.customers.update(customer.id, { metadata: more }));
    expect(err.message).toBe("Metadata can have up to 50 keys, but you've set 51. Email us at support+metadata@stripe.com for more information.");
    expect(Object.keys((await stripe.customers.retrieve(customer.id) as Stripe.Customer).metadata)).toHaveLength(30);
  });

  it('accepts an Idempotency-Key of 255 characters and refuses 256', async () => {
    expect((await raw('POST', '/v1/customers', '', { 'idempotency-key': 'i'.repeat(255) })).status).toBe(200);
    const long = await raw('POST', '/v1/customers', '', { 'idempotency-key': 'i'.repeat(256) });
    expect(long.status).toBe(400);
    expect(long.error.message).toBe("Idempotent key length is 256, which is outside accepted lengths. Idempotent Keys must be 1-255 characters long. If you're looking for a decent generator, try using a UUID defined by IETF RFC 4122.");
  });

  it('refuses to expand a field that cannot expand, and expands one that can', async () => {
    const customer = await stripe.customers.create({ email: 'x@example.com' });
    const err = await stripeError(stripe.customers.retrieve(customer.id, { expand: ['email'] }));
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe('This property cannot be expanded (email).');
    const onList = await raw('GET', '/v1/subscriptions', 'expand[]=customer');
    expect(onList.error.message).toBe("This property cannot be expanded (customer). You may want to try expanding 'data.customer' instead.");
    expect((await raw('GET', '/v1/subscriptions', 'expand[]=latest_invoice.bogus')).error.message).toBe('This property cannot be expanded (latest_invoice.bogus).');
    const account = await onboardedAccount(sim, stripe);
    const price = await recurringPrice(stripe, account.id);
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://x.test' }, { stripeAccount: account.id });
    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items', 'line_items.data.price.product'] }, { stripeAccount: account.id });
    expect(expanded.line_items?.data[0]?.price?.product).toMatchObject({ object: 'product' });
  });

  it('replays an error result for the same key, and saves nothing for a refused request', async () => {
    const account = await onboardedAccount(sim, stripe);
    const headers = { 'stripe-account': account.id, 'idempotency-key': 'error-replay' };
    const form = 'mode=payment&success_url=https%3A%2F%2Fx.test&line_items[0][price]=price_nothere&line_items[0][quantity]=1';
    const first = await fetch(`${sim.url}/v1/checkout/sessions`, { method: 'POST', headers: { authorization: `Bearer ${SECRET_KEY}`, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form });
    const again = await fetch(`${sim.url}/v1/checkout/sessions`, { method: 'POST', headers: { authorization: `Bearer ${SECRET_KEY}`, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form });
    expect([first.status, again.status]).toEqual([400, 400]);
    expect(await again.json()).toEqual(await first.json());
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('original-request')).toBe(first.headers.get('request-id'));
    // A request refused by validation never started: the key stays free for a corrected request.
    expect((await raw('POST', '/v1/customers', 'bogus=1', { 'idempotency-key': 'refused-first' })).status).toBe(400);
    expect((await raw('POST', '/v1/customers', 'email=fixed%40example.com', { 'idempotency-key': 'refused-first' })).status).toBe(200);
  });

  it('refuses a key reused with other parameters or on another endpoint', async () => {
    await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'reuse-1' });
    const params = await stripeError(stripe.customers.create({ email: 'b@example.com' }, { idempotencyKey: 'reuse-1' }));
    expect(params).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(params.message).toBe("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than 'reuse-1' if you meant to execute a different request.");
    const endpoint = await stripeError(stripe.products.create({ name: 'x' }, { idempotencyKey: 'reuse-1' }));
    expect(endpoint).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(endpoint.message).toBe("Keys for idempotent requests can only be used for the same endpoint they were first used for ('/v1/customers' vs '/v1/products'). Try using a key other than 'reuse-1' if you meant to execute a different request.");
  });

  it('pages backwards with ending_before and reports has_more', async () => {
    const account = await onboardedAccount(sim, stripe);
    const opts = { stripeAccount: account.id };
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await stripe.customers.create({ email: `p${i}@example.com` }, opts)).id);
    const [c0, c1, c2, c3, c4] = created;
    const nearOldest = await stripe.customers.list({ limit: 2, ending_before: c0 }, opts);
    expect(nearOldest.data.map((c) => c.id)).toEqual([c2, c1]);
    expect(nearOldest.has_more).toBe(true);
    const newest = await stripe.customers.list({ limit: 2, ending_before: c2 }, opts);
    expect(newest.data.map((c) => c.id)).toEqual([c4, c3]);
    expect(newest.has_more).toBe(false);
    const forward = await stripe.customers.list({ limit: 2, starting_after: c3 }, opts);
    expect(forward.data.map((c) => c.id)).toEqual([c2, c1]);
    expect(forward.has_more).toBe(true);
  });
});
