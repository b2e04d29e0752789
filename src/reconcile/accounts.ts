import { findAccountByStripeId, saveSnapshot } from '../accounts/repository.js';
import { deriveStatus, snapshotOf, type AccountSnapshot } from '../accounts/status.js';
import type { AppContext } from '../context.js';
import { fetchAccount } from '../stripe/fetched.js';
import type { Account } from '../stripe/objects/account.js';
import type { Queryable } from '../db/pool.js';
import { withTransaction } from '../db/transaction.js';
import { recordStripeError, type ProgressListener, type ReconcileReport } from './report.js';

export interface KnownAccount {
  tenantId: string;
  entityId: string;
  stripeAccountId: string;
}

/** Connected accounts we still act for: linked to Stripe and not disconnected. */
export async function knownAccounts(q: Queryable): Promise<KnownAccount[]> {
  const { rows } = await q.query<{ tenant_id: string; entity_id: string; stripe_account_id: string }>(
    `SELECT tenant_id, entity_id, stripe_account_id FROM np_stripe_accounts
      WHERE stripe_account_id IS NOT NULL AND status <> 'deauthorized' ORDER BY created_at, stripe_account_id`,
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, entityId: r.entity_id, stripeAccountId: r.stripe_account_id }));
}

const sameList = (a: string[], b: string[]): boolean => [...a].sort().join('\u0000') === [...b].sort().join('\u0000');

/** Applies a fetched account when it differs from the row; true when something changed. */
async function applyFetchedAccount(ctx: Pick<AppContext, 'pool'>, account: Account): Promise<boolean> {
  return withTransaction(ctx.pool, async (tx) => {
    const row = await findAccountByStripeId(tx, account.id, true);
    // Disconnected meanwhile: deauthorization is sticky, nothing to repair.
    if (!row || row.status === 'deauthorized') return false;
    const snapshot: AccountSnapshot = snapshotOf(account, row.livemode);
    const status = deriveStatus(snapshot, { previous: row.status, visited: false });
    const unchanged =
      row.status === status &&
      row.details_submitted === snapshot.detailsSubmitted &&
      row.charges_enabled === snapshot.chargesEnabled &&
      row.payouts_enabled === snapshot.payoutsEnabled &&
      row.disabled_reason === snapshot.disabledReason &&
      sameList(row.requirements_due, snapshot.requirementsDue);
    if (unchanged) return false;
    await saveSnapshot(tx, row.id, snapshot, status, null);
    return true;
  });
}

/** Re-reads every known account from Stripe and repairs what a lost account.updated left behind. */
export async function reconcileAccounts(
  ctx: Pick<AppContext, 'pool' | 'stripe'>,
  accounts: KnownAccount[],
  report: ReconcileReport,
  onProgress: ProgressListener = () => undefined,
): Promise<void> {
  const progress = (done: number) => onProgress({ phase: 'accounts', done, total: accounts.length, report });
  progress(0);
  for (const [i, known] of accounts.entries()) {
    report.accountsChecked++;
    try {
      const account = await fetchAccount(ctx.stripe, known.stripeAccountId);
      if (await applyFetchedAccount(ctx, account)) report.accountsChanged++;
    } catch (err) {
      recordStripeError(report, 'account', known.stripeAccountId, err);
    }
    progress(i + 1);
  }
}
