import Stripe from 'stripe';

export interface ReconcileError {
  /** What was being checked: an account, a grant's subscription, or a connected account's subscription list. */
  scope: 'account' | 'subscription' | 'import';
  id: string;
  message: string;
  stripe_request_id?: string;
}

export interface ReconcileReport {
  accountsChecked: number;
  accountsChanged: number;
  grantsChecked: number;
  grantsChanged: number;
  subscriptionsImported: number;
  errors: ReconcileError[];
}

export function emptyReport(): ReconcileReport {
  return { accountsChecked: 0, accountsChanged: 0, grantsChecked: 0, grantsChanged: 0, subscriptionsImported: 0, errors: [] };
}

/** One item failing is recorded and the walk goes on; only non-Stripe errors (the database) stop it. */
export function recordStripeError(report: ReconcileReport, scope: ReconcileError['scope'], id: string, err: unknown): void {
  if (!(err instanceof Stripe.errors.StripeError)) throw err;
  const entry: ReconcileError = { scope, id, message: err.message };
  if (err.requestId) entry.stripe_request_id = err.requestId;
  report.errors.push(entry);
}

export function formatReconcileReport(report: ReconcileReport): string {
  const lines = [
    `accounts checked:       ${report.accountsChecked}`,
    `accounts changed:       ${report.accountsChanged}`,
    `grants checked:         ${report.grantsChecked}`,
    `grants changed:         ${report.grantsChanged}`,
    `subscriptions imported: ${report.subscriptionsImported}`,
    `errors:                 ${report.errors.length}`,
  ];
  for (const e of report.errors) {
    lines.push(`  - ${e.scope} ${e.id}: ${e.message}${e.stripe_request_id ? ` (request ${e.stripe_request_id})` : ''}`);
  }
  return lines.join('\n');
}
