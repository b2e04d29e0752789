import type { AppContext } from '../context.js';
import { knownAccounts, reconcileAccounts } from './accounts.js';
import { emptyReport, type ProgressListener, type ReconcileReport } from './report.js';
import { importSubscriptions, reconcileGrants } from './subscriptions.js';

export { formatReconcileReport } from './report.js';
export type { ProgressListener, ReconcileError, ReconcilePhase, ReconcileProgress, ReconcileReport } from './report.js';

export interface ReconcileOptions {
  /** Skip listing connected accounts' subscriptions for ones without a grant. */
  skipImport?: boolean;
  /** Called at the start of each phase and after each item (the CLI draws its progress from it). */
  onProgress?: ProgressListener;
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
  await reconcileAccounts(ctx, accounts, report, opts.onProgress);
  await reconcileGrants(ctx, report, opts.onProgress);
  if (!opts.skipImport) await importSubscriptions(ctx, accounts, report, opts.onProgress);
  ctx.logger.info({ reconcile: { ...report, errors: report.errors.length } }, 'reconcile finished');
  return report;
}
