import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkthrough } from '../../src/dev-walkthrough.js';
import { AUTH } from '../helpers/config.js';
import { TENANT, pathOf, startHarness, submitOnboarding, type Harness } from './helpers.js';

/** What a browser lands on in development: pages that say what happened, as the walkthrough says. */

let h: Harness;
const headers = { ...AUTH, 'x-tenant-id': TENANT };
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function onboardingReturn(entity: string): Promise<{ accountId: string; callback: string }> {
  const started = await h.t.app.inject({ method: 'POST', url: '/onboard', headers, payload: { entity_id: entity } });
  const { url, account_id: accountId } = started.json<{ url: string; account_id: string }>();
  return { accountId, callback: pathOf(await submitOnboarding(url)) };
}

describe('the onboarding callback without a return_url', () => {
  it('shows a browser a small page naming the status and the account, with a strict CSP', async () => {
    const { accountId, callback } = await onboardingReturn(`page-op-${Date.now()}`);
    const res = await h.t.app.inject({ method: 'GET', url: callback, headers: { accept: BROWSER_ACCEPT } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toContain('<span id="status">active</span>');
    expect(res.body).toContain(accountId);
    expect(res.body).not.toContain('<script');
  });

  it('still answers JSON to an API client', async () => {
    const { accountId, callback } = await onboardingReturn(`json-op-${Date.now()}`);
    const res = await h.t.app.inject({ method: 'GET', url: callback, headers: { accept: 'application/json' } });
    expect(res.json()).toMatchObject({ status: 'active', account_id: accountId });
  });

  it('escapes what it shows', async () => {
    const entity = `<b>op-${Date.now()}</b>`.replace(/[<>/]/g, '_');
    const { callback } = await onboardingReturn(entity);
    const res = await h.t.app.inject({ method: 'GET', url: callback, headers: { accept: BROWSER_ACCEPT } });
    expect(res.body).toContain(entity);
  });
});

describe("the walkthrough's pages", () => {
  const text = () => walkthrough({ serviceUrl: 'http://127.0.0.1:3830', simUrl: h.sim.url, token: 't', secretKey: 'sk_test_x' });

  it('names the buttons the simulator pages really show', async () => {
    const stripe = h.t.app.ctx.stripe;
    const account = await stripe.accounts.create({ type: 'express', country: 'US' });
    const link = await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', return_url: 'http://a.example/r', refresh_url: 'http://a.example/f' });
    const onboarding = await (await fetch(link.url)).text();
    const price = await stripe.prices.create(
      { unit_amount: 1500, currency: 'usd', recurring: { interval: 'month' }, product_data: { name: 'Video' } },
      { stripeAccount: account.id },
    );
    const session = await stripe.checkout.sessions.create(
      { mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], success_url: 'http://a.example/s', cancel_url: 'http://a.example/c' },
      { stripeAccount: account.id },
    );
    const checkout = await (await fetch(session.url!)).text();
    const buttons = (html: string) => [...html.matchAll(/<button[^>]*>([^<]+)<\/button>/g)].map((m) => m[1]!.trim());
    for (const quoted of [...text().matchAll(/press "([^"]+)"/g)].map((m) => m[1]!)) {
      expect([...buttons(onboarding), ...buttons(checkout)]).toContain(quoted);
    }
    expect(buttons(checkout)).toContain('Subscribe');
  });

  it('sends the buyer back to a page that says the payment went through', async () => {
    const success = /"success_url":"([^"]+)"/.exec(text())![1]!.replace('{CHECKOUT_SESSION_ID}', 'cs_test_1');
    const page = await fetch(success);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Payment complete');
    expect(html).toContain('cs_test_1');
  });
});
