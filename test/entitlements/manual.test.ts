import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH } from '../helpers/config.js';
import { buySubscription, getEntitlement, grantFromSubscription, operator, recurringPrice, startWorld, TENANT, type World } from './fixtures.js';

describe('manual grants', () => {
  let w: World;

  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => w.close());

  const grant = (entity: string, capability: string, payload?: unknown, headers: Record<string, string> = {}) =>
    w.t.app.inject({ method: 'POST', url: `/entitlement/${entity}/${capability}/grant`, headers: { ...AUTH, ...headers }, payload: payload as object });
  const revoke = (entity: string, capability: string) =>
    w.t.app.inject({ method: 'DELETE', url: `/entitlement/${entity}/${capability}/grant`, headers: AUTH });

  it('creates a comped grant (201) that allows', async () => {
    const res = await grant('ann', 'beta', { quantity: 2, note: 'launch partner' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      tenant_id: TENANT,
      entity_id: 'ann',
      capability: 'beta',
      source_type: 'manual',
      source_id: 'manual',
      status: 'manual',
      allowed: true,
      quantity: 2,
      note: 'launch partner',
      expires_at: null,
      revoked_at: null,
    });
    expect((await getEntitlement(w, 'ann', 'beta')).json()).toMatchObject({ allowed: true, status: 'manual', quantity: 2 });
  });

  it('accepts a POST without a body as quantity 1', async () => {
    const res = await w.t.app.inject({ method: 'POST', url: '/entitlement/bea/beta/grant', headers: AUTH });
    expect(res.statusCode).toBe(201);
    expect(res.json().quantity).toBe(1);
  });

  it('updates the grant on a second POST (200), one row', async () => {
    await grant('cai', 'beta', { quantity: 1 });
    const res = await grant('cai', 'beta', { quantity: 9, note: 'upgraded' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ quantity: 9, note: 'upgraded' });
    const { rows } = await w.t.db.pool.query(`SELECT count(*)::int AS n FROM np_stripe_entitlements WHERE entity_id = 'cai'`);
    expect(rows[0].n).toBe(1);
  });

  it('stops allowing once expires_at has passed', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await grant('dan', 'beta', { expires_at: expiresAt });
    expect(res.json().expires_at).toBe(expiresAt);
    expect((await getEntitlement(w, 'dan', 'beta')).json().allowed).toBe(true);
    await w.t.db.pool.query(`UPDATE np_stripe_entitlements SET expires_at = now() - interval '1 second' WHERE entity_id = 'dan'`);
    expect((await getEntitlement(w, 'dan', 'beta')).json()).toMatchObject({ allowed: false, status: 'expired', quantity: 0 });
  });

  it('refuses an expiry in the past and malformed bodies with 400', async () => {
    const past = await grant('eve', 'beta', { expires_at: '2001-01-01T00:00:00Z' });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.code).toBe('invalid_expiry');
    for (const body of [{ quantity: 0 }, { quantity: 'lots' }, { expires_at: 'tomorrow' }, { extra: true }]) {
      const res = await grant('eve', 'beta', body);
      expect(res.statusCode).toBe(400);
    }
    expect((await getEntitlement(w, 'eve', 'beta')).json().status).toBe('none');
  });

  it('revokes with DELETE (200), then answers 404 for a grant that is no longer there', async () => {
    await grant('fay', 'beta');
    const res = await revoke('fay', 'beta');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ allowed: false, status: 'revoked' });
    expect(res.json().revoked_at).not.toBeNull();
    expect((await getEntitlement(w, 'fay', 'beta')).json()).toMatchObject({ allowed: false, status: 'revoked' });
    expect((await revoke('fay', 'beta')).statusCode).toBe(404);
    expect((await revoke('never', 'beta')).statusCode).toBe(404);
  });

  it('revives a revoked grant on a new POST', async () => {
    await grant('gus', 'beta');
    await revoke('gus', 'beta');
    const res = await grant('gus', 'beta', { quantity: 3 });
    expect(res.json()).toMatchObject({ allowed: true, revoked_at: null, quantity: 3 });
    expect((await getEntitlement(w, 'gus', 'beta')).json()).toMatchObject({ allowed: true, quantity: 3 });
  });

  it('adds to a subscription grant of the same capability, which names the status', async () => {
    const account = await operator(w, 'shop');
    const price = (await recurringPrice(w, account)).id;
    const sub = await buySubscription(w, { operatorEntity: 'shop', account, price, subject: 'hal', capabilities: ['seats'], quantity: 4 });
    await grantFromSubscription(w, sub, account);
    await grant('hal', 'seats', { quantity: 1 });
    expect((await getEntitlement(w, 'hal', 'seats')).json()).toMatchObject({ allowed: true, status: 'active', quantity: 5 });
  });

  it('is per tenant', async () => {
    const tenant = '33333333-3333-3333-3333-333333333333';
    expect((await grant('ida', 'beta', {}, { 'x-tenant-id': tenant })).statusCode).toBe(201);
    expect((await getEntitlement(w, 'ida', 'beta')).json().status).toBe('none');
    expect((await getEntitlement(w, 'ida', 'beta', { 'x-tenant-id': tenant })).json().allowed).toBe(true);
  });

  it('requires the bearer token', async () => {
    const res = await w.t.app.inject({ method: 'POST', url: '/entitlement/x/beta/grant', payload: {} });
    expect(res.statusCode).toBe(401);
    const del = await w.t.app.inject({ method: 'DELETE', url: '/entitlement/x/beta/grant' });
    expect(del.statusCode).toBe(401);
  });
});
