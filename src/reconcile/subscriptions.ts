import type { AppContext } from '../context.js';
import type { Queryable } from '../db/pool.js';
import { withTransaction } from '../db/transaction.js';
import { grantTargetFromMetadata, subscriptionState, syncGrantsFromSubscription } from '../entitlements/grants.js';
import { subscriptionIsKnown } from '../entitlements/grant-reads.js';
import { fetchSubscription } from '../stripe/fetched.js';
import { readSubscription, type Subscription } from '../stripe/objects/subscription.js';
import type { KnownAccount } from './accounts.js';
import { recordStripeError, type ProgressListener, type ReconcileReport } from './report.js';

interface LiveSubscription {
  tenantId: string;
  subscriptionId: string;
  accountId: string | null;
  grants: number;
}

/** Subscriptions backing an unrevoked grant, except under accounts that disconnected us. */
async function liveSubscriptions(q: Queryable): Promise<LiveSubscription[]> {
  const { rows } = await q.query<{ tenant_id: string; source_id: string; stripe_account_id: string | null; grants: number }>(
    `SELECT g.tenant_id, g.source_id, max(g.stripe_account_id) AS stripe_account_id, count(*)::int AS grants
       FROM np_stripe_entitlements g
      WHERE g.source_type = 'subscription' AND g.revoked_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM np_stripe_accounts a WHERE a.stripe_account_id = g.stripe_account_id AND a.status = 'deauthorized')
      GROUP BY g.tenant_id, g.source_id
      ORDER BY g.tenant_id, g.source_id`,
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, subscriptionId: r.source_id, accountId: r.stripe_account_id, grants: r.grants }));
}

/** What a grant answers with; a difference before/after a sync is drift that was repaired. */
async function grantStates(q: Queryable, tenantId: string, subscriptionId: string): Promise<Map<string, string>> {
  const { rows } = await q.query<{ entity_id: string; capability: string; state: string }>(
    `SELECT entity_id, capability,
            concat_ws('|', status, allowed, quantity, current_period_end, stripe_customer_id, revoked_at IS NULL) AS state
       FROM np_stripe_entitlements WHERE tenant_id = $1 AND source_type = 'subscription' AND source_id = $2`,
    [tenantId, subscriptionId],
  );
  return new Map(rows.map((r) => [`${r.entity_id}\u0000${r.capability}`, r.state]));
}

/** Writes a fetched subscription through the grant repository; returns how many grants changed. */
async function applyFetched(
  ctx: Pick<AppContext, 'pool'>,
  tenantId: string,
  subscription: Subscription,
  accountId: string | null,
  fetchedAt: Date,
): Promise<number> {
  return withTransaction(ctx.pool, async (tx) => {
    const before = await grantStates(tx, tenantId, subscription.id);
    await syncGrantsFromSubscription(tx, { tenantId, subscription, accountId, eventCreated: null, fetched: true, fetchedAt });
    const after = await grantStates(tx, tenantId, subscription.id);
    let changed = 0;
    for (const [key, state] of after) if (before.get(key) !== state) changed++;
    return changed;
  });
}

/** Re-reads every grant's subscription from Stripe under its account and repairs drift. */
export async function reconcileGrants(
  ctx: Pick<AppContext, 'pool' | 'stripe'>,
  report: ReconcileReport,
  onProgress: ProgressListener = () => undefined,
): Promise<void> {
  const live = await liveSubscriptions(ctx.pool);
  const progress = (done: number) => onProgress({ phase: 'grants', done, total: live.length, report });
  progress(0);
  for (const [i, one] of live.entries()) {
    await reconcileOneSubscription(ctx, one, report);
    progress(i + 1);
  }
}

async function reconcileOneSubscription(ctx: Pick<AppContext, 'pool' | 'stripe'>, live: LiveSubscription, report: ReconcileReport): Promise<void> {
  report.grantsChecked += live.grants;
  const fetchedAt = new Date();
  let subscription: Subscription;
  try {
    subscription = await fetchSubscription(ctx.stripe, live.subscriptionId, live.accountId);
  } catch (err) {
    recordStripeError(report, 'subscription', live.subscriptionId, err);
    return;
  }
  report.grantsChanged += await applyFetched(ctx, live.tenantId, subscription, live.accountId, fetchedAt);
}

/**
 * Imports subscriptions that carry our metadata but hold no grant (a lost webhook, or sold
 * before this service ran). Ended ones are left out: they would only add denied rows.
 */
export async function importSubscriptions(
  ctx: Pick<AppContext, 'pool' | 'stripe'>,
  accounts: KnownAccount[],
  report: ReconcileReport,
  onProgress: ProgressListener = () => undefined,
): Promise<void> {
  const progress = (done: number) => onProgress({ phase: 'import', done, total: accounts.length, report });
  progress(0);
  for (const [i, account] of accounts.entries()) {
    try {
      const opts = { stripeAccount: account.stripeAccountId };
      for await (const listed of ctx.stripe.subscriptions.list({ status: 'all', limit: 100 }, opts)) {
        let subscription: Subscription;
        try {
          subscription = readSubscription(listed, `subscription ${listed.id} as listed by Stripe`);
        } catch (err) {
          // One unreadable subscription is reported; the account's others are still imported.
          recordStripeError(report, 'import', listed.id, err);
          continue;
        }
        if (!grantTargetFromMetadata(subscription.metadata) || subscriptionState(subscription).terminal) continue;
        const named = subscription.metadata.nself_tenant_id;
        if (named && named.toLowerCase() !== account.tenantId) {
          report.errors.push({
            scope: 'import',
            id: subscription.id,
            message: `metadata names tenant ${named}, but account ${account.stripeAccountId} belongs to tenant ${account.tenantId}`,
          });
          continue;
        }
        if (await subscriptionIsKnown(ctx.pool, account.tenantId, subscription.id)) continue;
        const fetchedAt = new Date();
        const changed = await applyFetched(ctx, account.tenantId, subscription, account.stripeAccountId, fetchedAt);
        if (changed > 0) report.subscriptionsImported++;
      }
    } catch (err) {
      recordStripeError(report, 'import', account.stripeAccountId, err);
    }
    progress(i + 1);
  }
}
