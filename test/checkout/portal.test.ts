import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH } from '../helpers/config.js';
import { buySubscription, control, grantFromSubscription, operator, recurringPrice, simRequests, startWorld, type World } from '../entitlements/fixtures.js';

describe('POST /portal', () => {
  let w: World;
  let account: string;

  beforeAll(async () => {
    w = await startWorld();
    account = await operator(w, 'shop');
  });
  afterAll(async () => w.close());

  const portal = (payload: object) => w.t.app.inject({ method: 'POST', url: '/portal', headers: AUTH, payload });

  it('opens a Billing Portal session for the subject’s customer under the selling account', async () => {
    const price = (await recurringPrice(w, account)).id;
    const sub = await buySubscription(w, { operatorEntity: 'shop', account, price, subject: 'pat', capabilities: ['pro'] });
    await grantFromSubscription(w, sub, account);
    await control(w.sim, 'DELETE', '/_sim/requests');
    const res = await portal({ entity_id: 'pat', return_url: 'https://app.example.com/billing' });
    expect(res.statusCode).toBe(200);
    expect(res.json().url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/p\/session\//);
    const [created] = await simRequests(w.sim, 'POST', '/v1/billing_portal/sessions');
    expect(created!.headers['stripe-account']).toBe(account);
    expect(created!.body).toEqual({ customer: sub.customer, return_url: 'https://app.example.com/billing' });
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
