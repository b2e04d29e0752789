import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { CLIENT_ID, CONNECT_SECRET, onboardedAccount, recurringPrice, simulatorWithReceiver, stripeFor, waitFor, type WebhookReceiver } from './helpers.js';

let sim: Simulator;
let stripe: Stripe;
let receiver: WebhookReceiver;

simulatorWithReceiver((h) => ({ sim, stripe, receiver } = h));

const connectEvents = (): Stripe.Event[] => receiver.verifiedEvents(stripe, '/connect', CONNECT_SECRET);

async function get(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

async function submit(url: string, form: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
}

/** The action of the form holding the button with this id. */
function formAction(html: string, buttonId: string): string {
  const index = html.indexOf(`id="${buttonId}"`);
  const start = html.lastIndexOf('<form', index);
  const action = /action="([^"]+)"/.exec(html.slice(start, index))?.[1];
  if (action === undefined) throw new Error(`no form around #${buttonId}`);
  return `${sim.url}${action.replace(/&amp;/g, '&')}`;
}

function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1] ?? ''] = (m[2] ?? '').replace(/&amp;/g, '&');
  return out;
}

describe('hosted onboarding', () => {
  async function link(): Promise<{ account: Stripe.Account; url: string }> {
    const account = await stripe.accounts.create({ type: 'express' });
    const created = await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', refresh_url: 'https://svc.test/refresh', return_url: 'https://svc.test/return' });
    return { account, url: created.url };
  }

  it('completes onboarding, delivers account.updated, returns to return_url', async () => {
    const { account, url } = await link();
    const page = await get(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(account.id);
    expect(html).toContain('id="complete-onboarding"');
    expect(html).toContain('id="refresh"');
    const done = await submit(formAction(html, 'complete-onboarding'));
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('https://svc.test/return');
    const events = connectEvents();
    expect(events.map((e) => [e.type, e.account])).toEqual([['account.updated', account.id]]);
    const after = await stripe.accounts.retrieve(account.id);
    expect(after).toMatchObject({ charges_enabled: true, payouts_enabled: true, details_submitted: true });
    expect(after.requirements?.currently_due).toEqual([]);
    // A used link sends the browser to refresh_url, like Stripe.
    expect((await get(url)).headers.get('location')).toBe('https://svc.test/refresh');
  });

  it('sends the refresh button and revisits to refresh_url', async () => {
    const { url } = await link();
    const html = await (await get(url)).text();
    expect((await get(url)).headers.get('location')).toBe('https://svc.test/refresh');
    const refreshed = await submit(formAction(html, 'refresh'));
    expect(refreshed.status).toBe(302);
    expect(refreshed.headers.get('location')).toBe('https://svc.test/refresh');
  });
});

describe('hosted checkout', () => {
  it('pays a subscription session under a connected account', async () => {
    const account = await onboardedAccount(sim, stripe);
    receiver.received.length = 0;
    const price = await recurringPrice(stripe, account.id, 1500);
    const opts = { stripeAccount: account.id };
    const session = await stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        line_items: [{ price: price.id, quantity: 3 }],
        success_url: 'https://svc.test/ok?cs={CHECKOUT_SESSION_ID}',
        cancel_url: 'https://svc.test/cancel',
        metadata: { nself_entity_id: 'e1', nself_capabilities: 'pro' },
        subscription_data: { metadata: { nself_entity_id: 'e1', nself_capabilities: 'pro' } },
      },
      opts,
    );
    const page = await get(String(session.url));
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('45.00 USD');
    expect(html).toContain('id="email"');
    expect(html).toContain('id="pay"');
    expect(html).toContain('id="cancel"');
    const paid = await submit(formAction(html, 'pay'), { email: 'buyer@example.com' });
    expect(paid.status).toBe(302);
    expect(paid.headers.get('location')).toBe(`https://svc.test/ok?cs=${session.id}`);
    const events = connectEvents();
    expect(events.map((e) => e.type)).toEqual(['checkout.session.completed', 'customer.subscription.created', 'invoice.paid', 'invoice.payment_succeeded', 'payment_intent.succeeded']);
    expect(events.every((e) => e.account === account.id)).toBe(true);
    const completed = await stripe.checkout.sessions.retrieve(session.id, {}, opts);
    expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid' });
    const sub = await stripe.subscriptions.retrieve(String(completed.subscription), {}, opts);
    expect(sub.metadata).toEqual({ nself_entity_id: 'e1', nself_capabilities: 'pro' });
    expect(sub.items.data[0]?.quantity).toBe(3);
    expect(sub.customer).toBe(completed.customer);
    expect((await stripe.customers.retrieve(String(completed.customer), {}, opts)) as Stripe.Customer).toMatchObject({ email: 'buyer@example.com' });
    // A completed session shows an error page.
    expect((await get(String(session.url))).status).toBe(410);
  });

  it('pays a one-time session: payment intent with payment_intent_data metadata', async () => {
    const account = await onboardedAccount(sim, stripe);
    receiver.received.length = 0;
    const opts = { stripeAccount: account.id };
    const price = await stripe.prices.create({ currency: 'usd', unit_amount: 5000, product_data: { name: 'Pass' } }, opts);
    const session = await stripe.checkout.sessions.create(
      { mode: 'payment', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://svc.test/ok', customer_email: 'one@example.com', payment_intent_data: { metadata: { nself_entity_id: 'e2' }, application_fee_amount: 500 } },
      opts,
    );
    const html = await (await get(String(session.url))).text();
    const paid = await submit(formAction(html, 'pay'), { email: 'one@example.com' });
    expect(paid.headers.get('location')).toBe('https://svc.test/ok');
    expect(connectEvents().map((e) => e.type)).toEqual(['checkout.session.completed', 'payment_intent.succeeded']);
    const completed = await stripe.checkout.sessions.retrieve(session.id, {}, opts);
    const pi = await stripe.paymentIntents.retrieve(String(completed.payment_intent), {}, opts);
    expect(pi).toMatchObject({ status: 'succeeded', amount: 5000, metadata: { nself_entity_id: 'e2' }, application_fee_amount: 500 });
  });

  it('shows an error page for an expired session', async () => {
    const account = await onboardedAccount(sim, stripe);
    const price = await recurringPrice(stripe, account.id);
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://svc.test/ok' }, { stripeAccount: account.id });
    await stripe.checkout.sessions.expire(session.id, {}, { stripeAccount: account.id });
    expect((await get(`${sim.url}/c/pay/${session.id}`)).status).toBe(410);
    expect((await get(`${sim.url}/c/pay/cs_test_nope`)).status).toBe(404);
  });
});

describe('OAuth', () => {
  const authorize = (extra = ''): string =>
    `${sim.url}/express/oauth/authorize?response_type=code&client_id=${CLIENT_ID}&redirect_uri=${encodeURIComponent('https://svc.test/callback')}&state=st-1&scope=read_write&stripe_user[email]=op%40example.com${extra}`;

  it('approves, exchanges the code once, then deauthorizes', async () => {
    const oauth = stripeFor(sim);
    const page = await get(authorize());
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('id="approve"');
    expect(html).toContain('id="deny"');
    const approved = await submit(formAction(html, 'approve'), { ...hiddenFields(html), decision: 'approve' });
    expect(approved.status).toBe(302);
    const location = new URL(String(approved.headers.get('location')));
    expect(location.origin + location.pathname).toBe('https://svc.test/callback');
    expect(location.searchParams.get('state')).toBe('st-1');
    const code = String(location.searchParams.get('code'));
    expect(code).toMatch(/^ac_/);

    const token = await oauth.oauth.token({ grant_type: 'authorization_code', code });
    expect(token).toMatchObject({ token_type: 'bearer', scope: 'read_write', livemode: false });
    expect(token.stripe_user_id).toMatch(/^acct_/);
    expect(token.access_token).toMatch(/^sk_test_/);
    const account = await stripe.accounts.retrieve(String(token.stripe_user_id));
    expect(account).toMatchObject({ charges_enabled: true, email: 'op@example.com', type: 'express' });
    // The access token is a key that acts as the connected account.
    const asAccount = stripeFor(sim, String(token.access_token));
    const customer = await asAccount.customers.create({ email: 'via-token@example.com' });
    expect((await stripe.customers.retrieve(customer.id, {}, { stripeAccount: account.id })).id).toBe(customer.id);

    const reused = await oauth.oauth.token({ grant_type: 'authorization_code', code }).catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(Stripe.errors.StripeError);
    expect((reused as Stripe.errors.StripeError).type).toBe('StripeInvalidGrantError');
    const unknown = await oauth.oauth.token({ grant_type: 'authorization_code', code: 'ac_nope' }).catch((e: unknown) => e);
    expect((unknown as Stripe.errors.StripeError).statusCode).toBe(400);

    receiver.received.length = 0;
    const result = await oauth.oauth.deauthorize({ client_id: CLIENT_ID, stripe_user_id: String(token.stripe_user_id) });
    expect(result.stripe_user_id).toBe(token.stripe_user_id);
    // API-caused events are delivered after the response, as Stripe does.
    const event = await waitFor(() => connectEvents()[0]);
    expect(event).toMatchObject({ type: 'account.application.deauthorized', account: token.stripe_user_id, api_version: null });
    const gone = await stripe.customers.list({}, { stripeAccount: String(token.stripe_user_id) }).catch((e: unknown) => e);
    expect((gone as Stripe.errors.StripeError).statusCode).toBe(403);
    expect((gone as Stripe.errors.StripeError).code).toBe('account_invalid');
    const revoked = await asAccount.customers.list().catch((e: unknown) => e);
    expect((revoked as Stripe.errors.StripeError).statusCode).toBe(401);
    const again = await oauth.oauth.deauthorize({ client_id: CLIENT_ID, stripe_user_id: String(token.stripe_user_id) }).catch((e: unknown) => e);
    expect((again as Stripe.errors.StripeError).statusCode).toBe(400);
  });

  it('redirects a denial with error=access_denied', async () => {
    const html = await (await get(authorize())).text();
    const denied = await submit(formAction(html, 'deny'), { ...hiddenFields(html), decision: 'deny' });
    const location = new URL(String(denied.headers.get('location')));
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('error_description')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('st-1');
  });

  it('shows an error page for a wrong client_id', async () => {
    const res = await get(`${sim.url}/oauth/authorize?response_type=code&client_id=ca_wrong&redirect_uri=https://svc.test/cb`);
    expect(res.status).toBe(400);
  });

  it('refuses the token call with a bad secret', async () => {
    const bad = stripeFor(sim, 'sk_test_notconfigured0000000000');
    const err = await bad.oauth.token({ grant_type: 'authorization_code', code: 'ac_x' }).catch((e: unknown) => e);
    expect((err as Stripe.errors.StripeError).statusCode).toBe(401);
  });
});
