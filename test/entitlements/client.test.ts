import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingClientError, createBillingClient } from '../../src/index.js';
import { AUTH, BEARER } from '../helpers/config.js';
import { buySubscription, grantFromSubscription, operator, recurringPrice, startWorld, type World } from './fixtures.js';

const CHECK = 'check-token-for-billing-can-xxxxxxxxx';
const BOUND_TENANT = '55555555-5555-4555-8555-555555555555';
const BOUND_CHECK = 'bound-check-token-for-billing-can-xxxx';

describe('createBillingClient().can against the running service', () => {
  let w: World;
  let baseUrl: string;

  beforeAll(async () => {
    w = await startWorld({ NSELF_CHECK_TOKEN: `${CHECK},${BOUND_TENANT}:${BOUND_CHECK}` });
    baseUrl = await w.t.app.listen({ port: 0, host: '127.0.0.1' });
    const account = await operator(w, 'shop');
    const price = (await recurringPrice(w, account)).id;
    const ok = await buySubscription(w, { operatorEntity: 'shop', account, price, subject: 'user-1', capabilities: ['pro'], quantity: 2 });
    await grantFromSubscription(w, ok, account);
  });
  afterAll(async () => w.close());

  it('answers allowed with the typed result', async () => {
    const billing = createBillingClient({ baseUrl: `${baseUrl}/`, token: BEARER });
    const result = await billing.can('user-1', 'pro');
    expect(result).toMatchObject({ allowed: true, status: 'active', quantity: 2 });
    expect(typeof result.cached_at).toBe('string');
  });

  it('answers the no-grant result', async () => {
    const billing = createBillingClient({ baseUrl, token: BEARER });
    expect(await billing.can('user-2', 'pro')).toEqual({ allowed: false, status: 'none', cached_at: null });
  });

  it('names the tenant', async () => {
    const tenant = '44444444-4444-4444-4444-444444444444';
    await w.t.app.inject({ method: 'POST', url: '/entitlement/user-3/beta/grant', headers: { ...AUTH, 'x-tenant-id': tenant }, payload: {} });
    expect((await createBillingClient({ baseUrl, token: BEARER }).can('user-3', 'beta')).allowed).toBe(false);
    expect((await createBillingClient({ baseUrl, token: BEARER, tenantId: tenant }).can('user-3', 'beta')).allowed).toBe(true);
  });

  it('throws a BillingClientError with status and code on a refused token', async () => {
    const billing = createBillingClient({ baseUrl, token: 'wrong-token' });
    const err = await billing.can('user-1', 'pro').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BillingClientError);
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('encodes ids, so a slash cannot reach another route', async () => {
    const err = await createBillingClient({ baseUrl, token: BEARER })
      .can('user/1', 'pro')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'validation_error' });
  });

  it('throws status 0 network_error when the service cannot be reached', async () => {
    const err = await createBillingClient({ baseUrl: 'http://127.0.0.1:9', token: BEARER })
      .can('user-1', 'pro')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: 'network_error' });
  });

  it('uses the fetch it is given', async () => {
    const seen: string[] = [];
    const billing = createBillingClient({
      baseUrl,
      token: BEARER,
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    await billing.can('user-1', 'pro');
    expect(seen).toEqual([`${baseUrl}/entitlement/user-1/pro`]);
  });

  it('works with a check token, the read-only kind application services hold', async () => {
    expect(await createBillingClient({ baseUrl, token: CHECK }).can('user-1', 'pro')).toMatchObject({ allowed: true, quantity: 2 });
  });

  it('acts in the tenant a bound token belongs to, and surfaces 403 for another', async () => {
    await w.t.app.inject({ method: 'POST', url: '/entitlement/user-5/beta/grant', headers: { ...AUTH, 'x-tenant-id': BOUND_TENANT }, payload: {} });
    expect((await createBillingClient({ baseUrl, token: BOUND_CHECK }).can('user-5', 'beta')).allowed).toBe(true);
    const err = await createBillingClient({ baseUrl, token: BOUND_CHECK, tenantId: '44444444-4444-4444-4444-444444444444' })
      .can('user-5', 'beta')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 403, code: 'tenant_forbidden' });
  });

  it.each([
    ['.', 'pro'],
    ['..', 'pro'],
    ['user-1', '.'],
    ['user-1', '..'],
  ])('refuses %j / %j locally: fetch would collapse the segment into another route', async (entity, capability) => {
    const seen: string[] = [];
    const billing = createBillingClient({
      baseUrl,
      token: BEARER,
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    const err = await billing.can(entity, capability).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BillingClientError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(seen).toEqual([]);
  });
});
