import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { acaciaSubscription, CONNECT_SECRET, control, onboardedAccount, simulatorWithReceiver, waitFor, type WebhookReceiver } from './helpers.js';

let sim: Simulator;
let stripe: Stripe;
let receiver: WebhookReceiver;

simulatorWithReceiver((h) => ({ sim, stripe, receiver } = h));

async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const err = await promise.then(
    () => new Error('expected a Stripe error'),
    (e: unknown) => e,
  );
  if (err instanceof Stripe.errors.StripeError) return err;
  throw err;
}

function connectEvents(): Stripe.Event[] {
  return receiver.received
    .filter((d) => d.path === '/connect')
    .map((d) => stripe.webhooks.constructEvent(d.body, String(d.headers['stripe-signature']), CONNECT_SECRET));
}

/** A subscription (and its customer) on a fresh onboarded account. */
async function subscribed(): Promise<{ account: string; sub: Stripe.Subscription }> {
  const trig = await control<{ object: Stripe.Subscription; events: Stripe.Event[] }>(sim, 'POST', '/_sim/trigger', { type: 'customer.subscription.created' });
  receiver.received.length = 0;
  return { account: String(trig.body.events[0]?.account), sub: trig.body.object };
}

function configure(account: string, features: Stripe.BillingPortal.ConfigurationCreateParams.Features) {
  return stripe.billingPortal.configurations.create({ business_profile: { headline: '' }, features }, { stripeAccount: account });
}

async function portalPage(account: string, customer: string, configuration: string): Promise<{ html: string; url: string }> {
  const session = await stripe.billingPortal.sessions.create({ customer, configuration, return_url: 'https://svc.test/back' }, { stripeAccount: account });
  return { html: await (await fetch(session.url)).text(), url: session.url };
}

async function clickCancel(url: string, html: string): Promise<Response> {
  const subscription = /name="subscription" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return fetch(`${url}/cancel`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ subscription }).toString() });
}

describe('billing portal configurations', () => {
  it('an account has none until one is saved: a portal session is refused as Stripe refuses it', async () => {
    const account = await onboardedAccount(sim, stripe);
    const customer = await stripe.customers.create({ email: 'p@example.com' }, { stripeAccount: account.id });
    const err = await stripeError(stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'https://x.test/back' }, { stripeAccount: account.id }));
    expect(err.statusCode).toBe(400);
    expect(err.type).toBe('StripeInvalidRequestError');
    expect(err.message).toBe(
      'You can’t create a portal session in test mode until you save your customer portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal.',
    );
    expect((await stripe.billingPortal.configurations.list({}, { stripeAccount: account.id })).data).toEqual([]);
  });

  it('creates, retrieves and lists a configuration in Stripe’s shape; features left out are off', async () => {
    const account = await onboardedAccount(sim, stripe);
    const created = await stripe.billingPortal.configurations.create(
      { business_profile: { headline: '' }, features: { subscription_cancel: { enabled: true, mode: 'at_period_end' }, invoice_history: { enabled: true } }, metadata: { k: 'v' } },
      { stripeAccount: account.id },
    );
    expect(created).toMatchObject({
      object: 'billing_portal.configuration',
      active: true,
      is_default: false,
      livemode: false,
      business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
      default_return_url: null,
      login_page: { enabled: false, url: null },
      metadata: { k: 'v' },
      features: {
        subscription_cancel: { enabled: true, mode: 'at_period_end', proration_behavior: 'none', cancellation_reason: { enabled: false, options: [] } },
        invoice_history: { enabled: true },
        payment_method_update: { enabled: false },
        customer_update: { enabled: false, allowed_updates: [] },
        subscription_update: { enabled: false, default_allowed_updates: [], proration_behavior: 'none' },
      },
    });
    expect(created.id).toMatch(/^bpc_/);
    expect(await stripe.billingPortal.configurations.retrieve(created.id, {}, { stripeAccount: account.id })).toEqual(created);
    expect((await stripe.billingPortal.configurations.list({ is_default: false }, { stripeAccount: account.id })).data.map((c) => c.id)).toEqual([created.id]);
    // Another account does not see it.
    const other = await onboardedAccount(sim, stripe);
    expect((await stripeError(stripe.billingPortal.configurations.retrieve(created.id, {}, { stripeAccount: other.id }))).statusCode).toBe(404);
    // Features are required; so is business_profile in the 2024-04-10 spec the simulator checks
    // (acacia made it optional: the service sends one either way).
    expect((await stripeError(stripe.billingPortal.configurations.create({ business_profile: { headline: '' } } as never, { stripeAccount: account.id }))).param).toBe('features');
    expect((await stripeError(stripe.billingPortal.configurations.create({ features: { invoice_history: { enabled: true } } }, { stripeAccount: account.id }))).param).toBe('business_profile');
  });

  it('a session names its configuration; an unknown or foreign one is refused', async () => {
    const { account, sub } = await subscribed();
    const configuration = await configure(account, { subscription_cancel: { enabled: true } });
    const session = await stripe.billingPortal.sessions.create({ customer: String(sub.customer), configuration: configuration.id }, { stripeAccount: account });
    expect(session).toMatchObject({ object: 'billing_portal.session', configuration: configuration.id, customer: sub.customer });
    const unknown = await stripeError(stripe.billingPortal.sessions.create({ customer: String(sub.customer), configuration: 'bpc_1Nope' }, { stripeAccount: account }));
    expect(unknown).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'configuration' });
    const elsewhere = (await subscribed()).account;
    const foreign = await configure(elsewhere, { invoice_history: { enabled: true } });
    expect((await stripeError(stripe.billingPortal.sessions.create({ customer: String(sub.customer), configuration: foreign.id }, { stripeAccount: account }))).code).toBe('resource_missing');
    expect((await stripeError(stripe.billingPortal.sessions.create({ customer: 'cus_nope', configuration: configuration.id }, { stripeAccount: account }))).param).toBe('customer');
  });
});

describe('the hosted portal follows its configuration', () => {
  it('cancelling immediately deletes the subscription', async () => {
    const { account, sub } = await subscribed();
    const configuration = await configure(account, { subscription_cancel: { enabled: true, mode: 'immediately' } });
    const { html, url } = await portalPage(account, String(sub.customer), configuration.id);
    expect(html).toContain('id="return"');
    expect((await clickCancel(url, html)).status).toBe(302);
    expect((await waitFor(() => connectEvents()[0])).type).toBe('customer.subscription.deleted');
    expect((await stripe.subscriptions.retrieve(sub.id, {}, { stripeAccount: account })).status).toBe('canceled');
  });

  it('cancelling at the period end keeps the subscription active until then', async () => {
    const { account, sub } = await subscribed();
    const configuration = await configure(account, { subscription_cancel: { enabled: true, mode: 'at_period_end' }, invoice_history: { enabled: true }, payment_method_update: { enabled: true } });
    const { html, url } = await portalPage(account, String(sub.customer), configuration.id);
    expect(html).toContain('id="invoice-history"');
    expect(html).toContain(String(sub.latest_invoice));
    expect(html).toContain('id="payment-method"');
    await clickCancel(url, html);
    const event = await waitFor(() => connectEvents()[0]);
    expect(event.type).toBe('customer.subscription.updated');
    expect(event.data.object).toMatchObject({ status: 'active', cancel_at_period_end: true, cancel_at: acaciaSubscription.parse(event.data.object).current_period_end });
    expect(event.data.previous_attributes).toMatchObject({ cancel_at_period_end: false });
    const after = await (await fetch(url)).text();
    expect(after).toContain('cancels at the end of the period');
    expect(after).not.toContain('id="cancel-subscription"');
  });

  it('offers no cancellation when the configuration does not enable it', async () => {
    const { account, sub } = await subscribed();
    const configuration = await configure(account, { invoice_history: { enabled: true } });
    const { html, url } = await portalPage(account, String(sub.customer), configuration.id);
    expect(html).not.toContain('id="cancel-subscription"');
    expect(html).not.toContain('id="payment-method"');
    const res = await fetch(`${url}/cancel`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `subscription=${sub.id}` });
    expect(res.status).toBe(403);
    expect((await stripe.subscriptions.retrieve(sub.id, {}, { stripeAccount: account })).status).toBe('active');
  });
});
