import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { control, onboardedAccount, startTestSimulator, stripeFor } from './helpers.js';

let sim: Simulator;
let stripe: Stripe;

beforeAll(async () => {
  sim = await startTestSimulator();
  stripe = stripeFor(sim);
});
afterAll(async () => {
  await sim.close();
});

const page = async (path: string) => {
  const res = await fetch(`${sim.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', html: await res.text() };
};

describe('the stand-in Dashboard pages', () => {
  it('show a connected account on the Dashboard paths the service links to', async () => {
    const account = await onboardedAccount(sim, stripe);
    for (const path of [`/test/connect/accounts/${account.id}`, `/connect/accounts/${account.id}`]) {
      const res = await page(path);
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/html/);
      expect(res.html).toContain(`<span id="object-id">${account.id}</span>`);
    }
  });

  it('show a subscription only under the account that owns it', async () => {
    const account = await onboardedAccount(sim, stripe);
    const triggered = await control<{ object: { id: string } }>(sim, 'POST', '/_sim/trigger', { type: 'customer.subscription.created', account: account.id });
    const sub = triggered.body.object.id;
    const shown = await page(`/${account.id}/test/subscriptions/${sub}`);
    expect(shown.status).toBe(200);
    expect(shown.html).toContain(`id="owner">${account.id}<`);
    expect(shown.html).toMatch(/id="status">\w+</);
    expect((await page(`/acct_someone_else/test/subscriptions/${sub}`)).status).toBe(404);
    expect((await page(`/${account.id}/test/subscriptions/sub_missing`)).status).toBe(404);
  });

  it('escape what they show, and leave the API answering in its own JSON shape', async () => {
    const account = await stripe.accounts.create({ type: 'express', email: 'x@example.com', metadata: { note: '<script>alert(1)</script>' } });
    const res = await page(`/test/connect/accounts/${account.id}`);
    expect(res.html).not.toContain('<script>alert(1)</script>');
    expect(res.html).toContain('&lt;script&gt;');
    const api = await fetch(`${sim.url}/v1/payments/nothing`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});
