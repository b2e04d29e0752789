import type { AppContext } from '../context.js';
import { knownAccounts, reconcileAccounts } from './accounts.js';
import { emptyReport, type ReconcileReport } from './report.js';
import { importSubscriptions, reconcileGrants } from './subscriptions.js';

export { formatReconcileReport } from './report.js';
export type { ReconcileError, ReconcileReport } from './report.js';

export interface ReconcileOptions {
  /** Skip listing connected accounts' subscriptions for ones without a grant. */
  skipImport?: boolean;
}

/**
 * Walks every connected account and every subscription grant, re-reads them from Stripe
 * and repairs what webhooks missed (Stripe stops retrying after three days), then imports
 * subscriptions that carry our metadata but have no grant. A Stripe error on one item is
 * reported and the walk goes on.
 */
export async function reconcile(ctx: Pick<AppContext, 'pool' | 'stripe' | 'logger'>, opts: ReconcileOptions = {}): Promise<ReconcileReport> {
  const report = emptyReport();
  const accounts = await knownAccounts(ctx.pool);
  await reconcileAccounts(ctx, accounts, report);
  await reconcileGrants(ctx, report);
  if (!opts.skipImport) await importSubscriptions(ctx, accounts, report);
  ctx.logger.info({ reconcile: { ...report, errors: report.errors.length } }, 'reconcile finished');
  return report;
}
