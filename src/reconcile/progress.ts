import type { ReconcilePhase, ReconcileProgress } from './report.js';

/** Where progress goes: a terminal gets a bar redrawn in place, anything else plain lines. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const LABEL: Record<ReconcilePhase, string> = {
  accounts: 'accounts',
  grants: 'grants',
  import: 'import',
};

function counts(p: ReconcileProgress): string {
  const r = p.report;
  const changed = p.phase === 'accounts' ? r.accountsChanged : p.phase === 'grants' ? r.grantsChanged : r.subscriptionsImported;
  return `${p.phase === 'import' ? 'imported' : 'changed'} ${changed}, errors ${r.errors.length}`;
}

function bar(p: ReconcileProgress, width: number): string {
  const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
  return `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
}

/**
 * Draws reconcile's progress. On a terminal: one bar per phase, redrawn in place (at most
 * every `redrawMs`) and kept once the phase is done. Otherwise, for logs: a line of counts
 * every `everyMs` and one when each phase ends.
 */
export function progressPrinter(
  out: ProgressStream,
  opts: { everyMs?: number; redrawMs?: number; now?: () => number } = {},
): (p: ReconcileProgress) => void {
  const now = opts.now ?? Date.now;
  const tty = out.isTTY === true;
  const interval = tty ? (opts.redrawMs ?? 80) : (opts.everyMs ?? 5_000);
  let last = now();
  return (p) => {
    const finished = p.done === p.total;
    const t = now();
    if (!finished && t - last < interval) return;
    last = t;
    const label = LABEL[p.phase].padEnd(8);
    if (tty) {
      const width = Math.max(10, Math.min(40, (out.columns ?? 80) - 50));
      out.write(`\r\x1b[2K${label} [${bar(p, width)}] ${p.done}/${p.total}  ${counts(p)}${finished ? '\n' : ''}`);
    } else if (finished || p.done > 0) {
      out.write(`reconcile ${label.trim()}: ${p.done}/${p.total}${finished ? ' done' : ''}, ${counts(p)}\n`);
    }
  };
}
