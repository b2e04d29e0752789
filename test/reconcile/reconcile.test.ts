import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatReconcileReport, reconcile, type ReconcileProgress } from '../../src/reconcile/index.js';
import { buySubscription, control, getEntitlement, grantFromSubscription, operator, recurringPrice, startWorld, type World } from '../entitlements/fixtures.js';

describe('reconcile', () => {
  let w: World;
  let account: string;
  let price: string;

  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => w.close());
  beforeEach(async () => {
    w.sim.reset();
    await w.t.db.pool.query('TRUNCATE np_stripe_accounts, np_stripe_entitlements');
    account = await operator(w, 'shop');
    price = (await recurringPrice(w, account)).id;
  });

  const buy = (subject: string, capabilities: string[], quantity = 1) =>
    buySubscription(w, { operatorEntity: 'shop', account, price, subject, capabilities, quantity });
  const grantRows = async (subscriptionId: string) =>
    (
      await w.t.db.pool.query(
        `SELECT entity_id, capability, status, allowed, quantity, stripe_account_id, revoked_at IS NOT NULL AS revoked
           FROM np_stripe_entitlements WHERE source_id = $1 ORDER BY capability`,
        [subscriptionId],
      )
    ).rows;

  it('repairs a grant whose subscription changed while webhooks were lost', async () => {
    const sub = await buy('amy', ['pro']);
    await grantFromSubscription(w, sub, account);
    await control(w.sim, 'POST', `/_sim/subscriptions/${sub.id}/status`, { status: 'past_due' });

    const report = await reconcile(w.t.app.ctx);
    expect(report).toMatchObject({ grantsChecked: 1, grantsChanged: 1, subscriptionsImported: 0, errors: [] });
    expect(await grantRows(sub.id)).toEqual([
      { entity_id: 'amy', capability: 'pro', status: 'past_due', allowed: false, quantity: 1, stripe_account_id: account, revoked: false },
    ]);
  });

  it('revokes a grant whose subscription was canceled', async () => {
    const sub = await buy('ben', ['pro']);
    await grantFromSubscription(w, sub, account);
    await control(w.sim, 'POST', `/_sim/subscriptions/${sub.id}/status`, { status: 'canceled' });
    const report = await reconcile(w.t.app.ctx);
    expect(report.grantsChanged).toBe(1);
    expect(await grantRows(sub.id)).toMatchObject([{ status: 'canceled', allowed: false, revoked: true }]);
    // Revoked grants are done: the next run does not fetch them again.
    expect((await reconcile(w.t.app.ctx)).grantsChecked).toBe(0);
  });

  it('changes nothing when the cache agrees with Stripe', async () => {
    const sub = await buy('cat', ['pro', 'api'], 2);
    await grantFromSubscription(w, sub, account);
    const report = await reconcile(w.t.app.ctx);
    expect(report).toEqual({ accountsChecked: 1, accountsChanged: 0, grantsChecked: 2, grantsChanged: 0, subscriptionsImported: 0, errors: [] });
  });

  it('imports a subscription carrying our metadata that has no grant, once', async () => {
    const sub = await buy('dot', ['pro', 'api'], 3);
    expect((await getEntitlement(w, 'dot', 'pro')).json().status).toBe('none');

    const report = await reconcile(w.t.app.ctx);
    expect(report).toMatchObject({ subscriptionsImported: 1, errors: [] });
    expect(await grantRows(sub.id)).toEqual([
      { entity_id: 'dot', capability: 'api', status: 'active', allowed: true, quantity: 3, stripe_account_id: account, revoked: false },
      { entity_id: 'dot', capability: 'pro', status: 'active', allowed: true, quantity: 3, stripe_account_id: account, revoked: false },
    ]);
    expect((await getEntitlement(w, 'dot', 'pro')).json()).toMatchObject({ allowed: true, quantity: 3 });

    const again = await reconcile(w.t.app.ctx);
    expect(again).toMatchObject({ subscriptionsImported: 0, grantsChecked: 2, grantsChanged: 0 });
  });

  it('does not import ended subscriptions or ones without our metadata', async () => {
    const ended = await buy('eli', ['pro']);
    await control(w.sim, 'POST', `/_sim/subscriptions/${ended.id}/status`, { status: 'canceled' });
    const foreign = await buy('fox', ['pro']);
    (w.sim.state.find(foreign.id)!.obj as unknown as { metadata: Record<string, string> }).metadata = { plan: 'theirs' };
    const report = await reconcile(w.t.app.ctx);
    expect(report.subscriptionsImported).toBe(0);
    expect(await grantRows(ended.id)).toEqual([]);
    expect(await grantRows(foreign.id)).toEqual([]);
  });

  it('repairs an account row that missed account.updated', async () => {
    await w.t.db.pool.query(
      `UPDATE np_stripe_accounts SET status = 'onboarding', details_submitted = false, charges_enabled = false, payouts_enabled = false,
              requirements_due = '{external_account}' WHERE stripe_account_id = $1`,
      [account],
    );
    const report = await reconcile(w.t.app.ctx);
    expect(report).toMatchObject({ accountsChecked: 1, accountsChanged: 1 });
    const { rows } = await w.t.db.pool.query(
      `SELECT status, details_submitted, charges_enabled, payouts_enabled, requirements_due FROM np_stripe_accounts WHERE stripe_account_id = $1`,
      [account],
    );
    expect(rows).toEqual([{ status: 'active', details_submitted: true, charges_enabled: true, payouts_enabled: true, requirements_due: [] }]);
  });

  it('skips disconnected accounts', async () => {
    await w.t.db.pool.query(`UPDATE np_stripe_accounts SET status = 'deauthorized' WHERE stripe_account_id = $1`, [account]);
    expect((await reconcile(w.t.app.ctx)).accountsChecked).toBe(0);
  });

  it('records a Stripe error on one item and goes on with the rest', async () => {
    const sub = await buy('gil', ['pro']);
    await grantFromSubscription(w, sub, account);
    await control(w.sim, 'POST', `/_sim/subscriptions/${sub.id}/status`, { status: 'past_due' });
    await w.t.db.pool.query(
      `INSERT INTO np_stripe_entitlements (tenant_id, entity_id, capability, source_type, source_id, status, allowed, stripe_account_id)
       VALUES ('00000000-0000-0000-0000-000000000000', 'ghost', 'pro', 'subscription', 'sub_doesnotexist', 'active', true, $1)`,
      [account],
    );
    const report = await reconcile(w.t.app.ctx);
    expect(report.errors).toEqual([{ scope: 'subscription', id: 'sub_doesnotexist', message: expect.any(String), stripe_request_id: expect.stringMatching(/^req_/) }]);
    expect(report).toMatchObject({ grantsChecked: 2, grantsChanged: 1 });
    expect(formatReconcileReport(report)).toContain('subscription sub_doesnotexist');
  });

  it('reports a subscription Stripe answers in a shape it cannot read, naming the field, and goes on', async () => {
    const granted = await buy('ivy', ['pro']);
    await grantFromSubscription(w, granted, account);
    const unreadable = await buy('jon', ['pro']);
    const fine = await buy('kai', ['pro']);
    for (const id of [granted.id, unreadable.id]) {
      const { items } = w.sim.state.find(id)!.obj as unknown as { items: { data: Array<Record<string, unknown>> } };
      items.data[0]!.quantity = 'many';
    }
    const report = await reconcile(w.t.app.ctx);
    const problem = 'items.data[0].quantity: expected number, received string';
    expect(report.errors).toEqual([
      { scope: 'subscription', id: granted.id, message: `subscription ${granted.id} as fetched from Stripe: ${problem}` },
      // The import walk lists every subscription of the account: the granted one is unreadable there too.
      ...[unreadable.id, granted.id].map((id) => ({ scope: 'import', id, message: `subscription ${id} as listed by Stripe: ${problem}` })),
    ]);
    expect(report).toMatchObject({ grantsChecked: 1, grantsChanged: 0, subscriptionsImported: 1 });
    expect(await grantRows(granted.id)).toMatchObject([{ status: 'active', allowed: true }]);
    expect(await grantRows(unreadable.id)).toEqual([]);
    expect(await grantRows(fine.id)).toMatchObject([{ entity_id: 'kai', allowed: true }]);
  });

  it('reports progress phase by phase, each ending at its total', async () => {
    const sub = await buy('hal', ['pro']);
    await grantFromSubscription(w, sub, account);
    const seen: ReconcileProgress[] = [];
    const report = await reconcile(w.t.app.ctx, { onProgress: (p) => seen.push({ ...p, report: { ...p.report } }) });
    expect([...new Set(seen.map((p) => p.phase))]).toEqual(['accounts', 'grants', 'import']);
    for (const phase of ['accounts', 'grants', 'import'] as const) {
      const events = seen.filter((p) => p.phase === phase);
      expect(events.map((p) => p.done)).toEqual([0, 1]);
      expect(events.at(-1)).toMatchObject({ done: 1, total: 1 });
    }
    expect(seen.at(-1)?.report).toEqual(report);
  });

  it('ends with a summary table, errors listed under it', () => {
    const text = formatReconcileReport({
      accountsChecked: 2,
      accountsChanged: 1,
      grantsChecked: 15,
      grantsChanged: 2,
      subscriptionsImported: 1,
      errors: [{ scope: 'subscription', id: 'sub_x', message: 'No such subscription', stripe_request_id: 'req_1' }],
    });
    expect(text.split('\n')).toEqual([
      '               checked  changed  imported  errors',
      'accounts             2        1         -       0',
      'grants              15        2         -       1',
      'subscriptions        -        -         1       0',
      '',
      'errors (1):',
      '  - subscription sub_x: No such subscription (request req_1)',
    ]);
  });
});
