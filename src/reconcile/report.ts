import Stripe from 'stripe';
import { MalformedStripeObject } from '../stripe/objects/read.js';

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

/**
 * One item failing is recorded and the walk goes on: a Stripe error, or an object Stripe returned
 * in a shape we cannot read (its field named). Only other errors (the database) stop it.
 */
export function recordStripeError(report: ReconcileReport, scope: ReconcileError['scope'], id: string, err: unknown): void {
  if (err instanceof MalformedStripeObject) {
    report.errors.push({ scope, id, message: err.message });
    return;
  }
  if (!(err instanceof Stripe.errors.StripeError)) throw err;
  const entry: ReconcileError = { scope, id, message: err.message };
  if (err.requestId) entry.stripe_request_id = err.requestId;
  report.errors.push(entry);
}

/** Which phase a progress update belongs to: accounts re-read, grants' subscriptions re-read, accounts listed for imports. */
export type ReconcilePhase = 'accounts' | 'grants' | 'import';

export interface ReconcileProgress {
  phase: ReconcilePhase;
  /** Items of this phase done so far, out of total (accounts, subscriptions, accounts). */
  done: number;
  total: number;
  report: ReconcileReport;
}

export type ProgressListener = (progress: ReconcileProgress) => void;

const ERROR_ROW: Record<ReconcileError['scope'], number> = { account: 0, subscription: 1, import: 2 };

/** The summary table, then one line per error. */
export function formatReconcileReport(report: ReconcileReport): string {
  const errors = [0, 0, 0];
  for (const e of report.errors) errors[ERROR_ROW[e.scope]]!++;
  const rows: (string | number)[][] = [
    ['', 'checked', 'changed', 'imported', 'errors'],
    ['accounts', report.accountsChecked, report.accountsChanged, '-', errors[0]!],
    ['grants', report.grantsChecked, report.grantsChanged, '-', errors[1]!],
    ['subscriptions', '-', '-', report.subscriptionsImported, errors[2]!],
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => String(r[col]).length)));
  const lines = rows.map((r) => r.map((cell, col) => (col === 0 ? String(cell).padEnd(widths[col]!) : String(cell).padStart(widths[col]!))).join('  ').trimEnd());
  if (report.errors.length > 0) lines.push('', `errors (${report.errors.length}):`);
  for (const e of report.errors) {
    lines.push(`  - ${e.scope} ${e.id}: ${e.message}${e.stripe_request_id ? ` (request ${e.stripe_request_id})` : ''}`);
  }
  return lines.join('\n');
}
