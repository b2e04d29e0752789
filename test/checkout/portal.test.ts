import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH } from '../helpers/config.js';
import { buySubscription, control, grantFromSubscription, operator, recurringPrice, simRequests, startWorld, TENANT, type World } from '../entitlements/fixtures.js';

describe('POST /portal', () => {
  let w: World;
  let account: string;

  beforeAll(async () => {
    w = await startWorld();
    account = await operator(w, 'shop');
  });
  afterAll(async () => w.close());

  const portal = (payload: object) => w.t.app.inject({ method: 'POST', url: '/portal', headers: AUTH, payload });
  const rememberedOn = async (stripeAccount: string): Promise<string | null> =>
    (await w.t.db.pool.query<{ id: string | null }>('SELECT portal_configuration_id AS id FROM np_stripe_accounts WHERE stripe_account_id = $1', [stripeAccount])).rows[0]?.id ?? null;

  /** A subject with a paid subscription (and so a customer) on the account. */
  async function subscriber(operatorEntity: string, stripeAccount: string, subject: string) {
    const price = (await recurringPrice(w, stripeAccount)).id;
    const sub = await buySubscription(w, { operatorEntity, account: stripeAccount, price, subject, capabilities: ['pro'] });
    await grantFromSubscription(w, sub, stripeAccount);
    return sub;
  }

  it('the simulator, like Stripe, refuses a portal session on an account with no saved configuration', async () => {
    const sub = await subscriber('shop', account, 'pat');
    const refused = await w.stripe.billingPortal.sessions.create({ customer: String(sub.customer) }, { stripeAccount: account }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect((refused as Error).message).toMatch(/^You can’t create a portal session in test mode until you save your customer portal settings/);
  });

  it('creates the selling account’s configuration once, remembers it, and opens the session with it', async () => {
    await control(w.sim, 'DELETE', '/_sim/requests');
    const res = await portal({ entity_id: 'pat', return_url: 'https://app.example.com/billing' });
    expect(res.statusCode).toBe(200);
    expect(res.json().url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/p\/session\//);

    const [made] = await simRequests(w.sim, 'POST', '/v1/billing_portal/configurations');
    expect(made!.headers['stripe-account']).toBe(account);
    expect(made!.headers['idempotency-key']).toBe(`nself-portal-configuration-${account}`);
    expect(made!.body).toEqual({
      business_profile: { headline: '' },
      features: {
        subscription_cancel: { enabled: 'true', mode: 'at_period_end' },
        payment_method_update: { enabled: 'true' },
        invoice_history: { enabled: 'true' },
      },
      metadata: { nself_tenant_id: TENANT },
    });
    const configuration = await rememberedOn(account);
    expect(configuration).toMatch(/^bpc_/);
    const [opened] = await simRequests(w.sim, 'POST', '/v1/billing_portal/sessions');
    expect(opened!.headers['stripe-account']).toBe(account);
    expect(opened!.body).toEqual({ customer: expect.stringMatching(/^cus_/), configuration, return_url: 'https://app.example.com/billing' });

    await control(w.sim, 'DELETE', '/_sim/requests');
    expect((await portal({ entity_id: 'pat', return_url: 'https://app.example.com/billing' })).statusCode).toBe(200);
    expect(await simRequests(w.sim, 'POST', '/v1/billing_portal/configurations')).toHaveLength(0);
    expect((await simRequests(w.sim, 'POST', '/v1/billing_portal/sessions'))[0]!.body.configuration).toBe(configuration);
  });

  it('concurrent first calls for an account create one configuration', async () => {
    const fresh = await operator(w, 'shop-busy');
    await Promise.all(['ann', 'bob', 'cyd'].map((subject) => subscriber('shop-busy', fresh, subject)));
    await control(w.sim, 'DELETE', '/_sim/requests');
    const answers = await Promise.all(['ann', 'bob', 'cyd', 'ann', 'bob', 'cyd'].map((entity_id) => portal({ entity_id, return_url: 'https://app.example.com/b' })));
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await simRequests(w.sim, 'POST', '/v1/billing_portal/configurations')).toHaveLength(1);
    const listed = await w.stripe.billingPortal.configurations.list({}, { stripeAccount: fresh });
    expect(listed.data).toHaveLength(1);
    expect(await rememberedOn(fresh)).toBe(listed.data[0]!.id);
    const sessions = await simRequests(w.sim, 'POST', '/v1/billing_portal/sessions');
    expect(new Set(sessions.map((r) => r.body.configuration))).toEqual(new Set([listed.data[0]!.id]));
  });

  it('a row linked to another Stripe account forgets the configuration of the old one', async () => {
    await w.t.db.pool.query(`UPDATE np_stripe_accounts SET stripe_account_id = 'acct_1Replaced000000' WHERE stripe_account_id = $1`, [account]);
    expect(await rememberedOn('acct_1Replaced000000')).toBeNull();
    await w.t.db.pool.query(`UPDATE np_stripe_accounts SET stripe_account_id = $1 WHERE stripe_account_id = 'acct_1Replaced000000'`, [account]);
  });

  it('answers 404 when the subject has no customer (none, or only manual grants)', async () => {
    await w.t.app.inject({ method: 'POST', url: '/entitlement/quinn/pro/grant', headers: AUTH, payload: {} });
    for (const entity of ['nobody', 'quinn']) {
      const res = await portal({ entity_id: entity, return_url: 'https://app.example.com/billing' });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });

  it('validates the body', async () => {
    expect((await portal({ entity_id: 'pat', return_url: 'ftp://x' })).statusCode).toBe(400);
    expect((await portal({ return_url: 'https://x.example' })).statusCode).toBe(400);
  });
});
