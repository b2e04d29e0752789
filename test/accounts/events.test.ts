import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAccountDeauthorized, applyAccountUpdated } from '../../src/accounts/events.js';
import { withTransaction } from '../../src/db/transaction.js';
import type { EventHandler, HandlerContext } from '../../src/webhooks/types.js';
import { AUTH } from '../helpers/config.js';
import { OTHER_TENANT, TENANT, decideOAuth, pathOf, simRequests, startHarness, type Harness } from './helpers.js';

let h: Harness;
let n = 0;
const entity = (): string => `ev-operator-${Date.now().toString(36)}-${n++}`;
const headers = { ...AUTH, 'x-tenant-id': TENANT };

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function handlerContext(): HandlerContext {
  const { config, stripe, logger } = h.t.app.ctx;
  return { config, stripe, logger, channel: 'connect', tenantId: config.defaultTenantId };
}
const apply = (handler: EventHandler, event: Stripe.Event) => withTransaction(h.t.db.pool, (tx) => handler(tx, event, handlerContext()));

async function trigger(type: string, account: string, object?: Record<string, unknown>): Promise<Stripe.Event[]> {
  const res = await fetch(`${h.sim.url}/_sim/trigger`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type, account, ...(object ? { object } : {}) }),
  });
  if (res.status !== 200) throw new Error(`trigger ${type}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { events: Stripe.Event[] }).events;
}
async function onboardRow(id: string): Promise<string> {
  const res = await h.t.app.inject({ method: 'POST', url: '/onboard', headers, payload: { entity_id: id } });
  return res.json<{ account_id: string }>().account_id;
}
async function row(accountId: string) {
  const { rows } = await h.t.db.pool.query(
    `SELECT tenant_id, entity_id, status, charges_enabled, payouts_enabled, details_submitted, requirements_due,
            access_token, refresh_token, deauthorized_at, extract(epoch from last_event_created)::int AS last
       FROM np_stripe_accounts WHERE stripe_account_id = $1`,
    [accountId],
  );
  return rows[0];
}
const withCreated = (event: Stripe.Event, created: number): Stripe.Event => ({ ...structuredClone(event), id: `${event.id}_copy${n++}`, created });

describe('account.updated', () => {
  it('syncs status, flags and requirements of a known account', async () => {
    const accountId = await onboardRow(entity());
    const [event] = await trigger('account.updated', accountId);
    expect(await apply(applyAccountUpdated, event!)).toEqual({ outcome: 'processed' });
    expect(await row(accountId)).toMatchObject({
      status: 'active',
      charges_enabled: true,
      payouts_enabled: true,
      details_submitted: true,
      requirements_due: [],
      last: event!.created,
    });
  });

  it('ignores an account we do not know whose metadata names no entity of ours', async () => {
    const account = await h.t.app.ctx.stripe.accounts.create({ type: 'express' });
    const [event] = await trigger('account.updated', account.id);
    expect(await apply(applyAccountUpdated, event!)).toEqual({ outcome: 'ignored', reason: 'unknown_account' });
    expect(await row(account.id)).toBeUndefined();
  });

  it('links an account whose metadata names a row /onboard recorded and has not linked yet (the event overtook /onboard)', async () => {
    const id = entity();
    await h.t.db.pool.query(
      `INSERT INTO np_stripe_accounts (tenant_id, entity_id, connected_via, status) VALUES ($1, $2, 'account_link', 'pending')`,
      [OTHER_TENANT, id],
    );
    const account = await h.t.app.ctx.stripe.accounts.create({
      type: 'express',
      metadata: { nself_tenant_id: OTHER_TENANT, nself_entity_id: id },
    });
    const [event] = await trigger('account.updated', account.id);
    expect(await apply(applyAccountUpdated, event!)).toEqual({ outcome: 'processed' });
    expect(await row(account.id)).toMatchObject({ tenant_id: OTHER_TENANT, entity_id: id, status: 'active' });
  });

  it('never creates a row for an entity that was not onboarded, whatever the metadata says', async () => {
    const id = entity();
    const account = await h.t.app.ctx.stripe.accounts.create({
      type: 'express',
      metadata: { nself_tenant_id: OTHER_TENANT, nself_entity_id: id },
    });
    const [event] = await trigger('account.updated', account.id);
    expect(await apply(applyAccountUpdated, event!)).toEqual({ outcome: 'ignored', reason: 'unknown_account' });
    expect(await row(account.id)).toBeUndefined();
    const { rows } = await h.t.db.pool.query('SELECT 1 FROM np_stripe_accounts WHERE entity_id = $1', [id]);
    expect(rows).toEqual([]);
  });

  it('never moves an entity linked to one account onto another', async () => {
    const id = entity();
    const ours = await onboardRow(id);
    const stranger = await h.t.app.ctx.stripe.accounts.create({ type: 'express', metadata: { nself_tenant_id: TENANT, nself_entity_id: id } });
    const [event] = await trigger('account.updated', stranger.id);
    expect(await apply(applyAccountUpdated, event!)).toEqual({ outcome: 'ignored', reason: 'unknown_account' });
    expect(await row(ours)).toMatchObject({ entity_id: id });
    expect(await row(stranger.id)).toBeUndefined();
  });

  it('an event older than the last one applied changes nothing', async () => {
    const accountId = await onboardRow(entity());
    const [done] = await trigger('account.updated', accountId);
    await apply(applyAccountUpdated, done!);
    const stale = withCreated(done!, done!.created - 5);
    (stale.data.object as Stripe.Account).charges_enabled = false;
    expect(await apply(applyAccountUpdated, stale)).toEqual({ outcome: 'ignored', reason: 'stale event' });
    expect(await row(accountId)).toMatchObject({ status: 'active', charges_enabled: true, last: done!.created });
  });

  it('on an equal created time, the account is fetched from Stripe and that state applied', async () => {
    const accountId = await onboardRow(entity());
    const [done] = await trigger('account.updated', accountId);
    await apply(applyAccountUpdated, done!);
    // Stripe's current state moves on (payouts paused) ...
    await trigger('account.updated', accountId, { payouts_enabled: false });
    await fetch(`${h.sim.url}/_sim/requests`, { method: 'DELETE' });
    // ... and an event from the same second still shows the old state: the fetch must win.
    const tie = withCreated(done!, done!.created);
    expect(await apply(applyAccountUpdated, tie)).toEqual({ outcome: 'processed' });
    expect(await simRequests(h.sim, `/v1/accounts/${accountId}`, 'GET')).toHaveLength(1);
    expect(await row(accountId)).toMatchObject({ status: 'restricted', payouts_enabled: false });
  });

  it('a newer account.updated does not lift a deauthorization', async () => {
    const accountId = await onboardRow(entity());
    await h.t.db.pool.query(`UPDATE np_stripe_accounts SET status = 'deauthorized', deauthorized_at = now() WHERE stripe_account_id = $1`, [accountId]);
    const [event] = await trigger('account.updated', accountId);
    await apply(applyAccountUpdated, event!);
    expect(await row(accountId)).toMatchObject({ status: 'deauthorized', charges_enabled: true });
  });
});

describe('account.application.deauthorized', () => {
  it('deauthorizes the account, erases its tokens and stops the grants sold under it (api_version null)', async () => {
    const id = entity();
    const started = await h.t.app.inject({ method: 'POST', url: '/onboard', headers, payload: { entity_id: id, mode: 'oauth' } });
    const done = await h.t.app.inject({ method: 'GET', url: pathOf(await decideOAuth(started.json<{ url: string }>().url, 'approve')) });
    const accountId = done.json<{ account_id: string }>().account_id;
    await h.t.db.pool.query(
      `INSERT INTO np_stripe_entitlements (tenant_id, entity_id, capability, source_type, source_id, status, allowed, stripe_account_id)
       VALUES ($1, 'buyer', 'pro', 'subscription', 'sub_1', 'active', true, $2), ($1, 'buyer', 'comp', 'manual', 'manual', 'active', true, $2)`,
      [TENANT, accountId],
    );
    const [event] = await trigger('account.application.deauthorized', accountId);
    expect(event!.api_version).toBeNull();
    expect(event!.account).toBe(accountId);
    expect(await apply(applyAccountDeauthorized, event!)).toEqual({ outcome: 'processed' });
    expect(await row(accountId)).toMatchObject({ status: 'deauthorized', access_token: null, refresh_token: null, deauthorized_at: expect.any(Date) });
    const { rows } = await h.t.db.pool.query(
      'SELECT capability, allowed, status, account_deauthorized FROM np_stripe_entitlements WHERE stripe_account_id = $1 ORDER BY capability',
      [accountId],
    );
    // The sold grant keeps Stripe's status but stops allowing; a manual comp is not sold under the account.
    expect(rows).toEqual([
      { capability: 'comp', allowed: true, status: 'active', account_deauthorized: false },
      { capability: 'pro', allowed: false, status: 'active', account_deauthorized: true },
    ]);
    // The token columns held ciphertext before; nothing decryptable is left.
    const { rows: left } = await h.t.db.pool.query(
      'SELECT count(*)::int AS n FROM np_stripe_accounts WHERE stripe_account_id = $1 AND (access_token IS NOT NULL OR refresh_token IS NOT NULL)',
      [accountId],
    );
    expect(left[0].n).toBe(0);
  });

  it('ignores an account we do not know', async () => {
    const account = await h.t.app.ctx.stripe.accounts.create({ type: 'express' });
    const [event] = await trigger('account.application.deauthorized', account.id);
    expect(await apply(applyAccountDeauthorized, event!)).toEqual({ outcome: 'ignored', reason: 'unknown_account' });
  });

  it('a rolled-back transaction leaves the account as it was', async () => {
    const accountId = await onboardRow(entity());
    const [event] = await trigger('account.application.deauthorized', accountId);
    await expect(
      withTransaction(h.t.db.pool, async (tx) => {
        await applyAccountDeauthorized(tx, event!, handlerContext());
        throw new Error('the pipeline failed after the handler');
      }),
    ).rejects.toThrow('pipeline failed');
    expect(await row(accountId)).toMatchObject({ status: 'pending', deauthorized_at: null });
  });
});
