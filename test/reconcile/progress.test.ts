import { describe, expect, it } from 'vitest';
import { progressPrinter, type ProgressStream } from '../../src/reconcile/progress.js';
import { emptyReport, type ReconcilePhase, type ReconcileProgress } from '../../src/reconcile/report.js';

function stream(isTTY: boolean): ProgressStream & { text: () => string } {
  let out = '';
  return { isTTY, columns: 80, write: (chunk: string) => (out += chunk), text: () => out };
}

/** A fake clock the test moves by hand. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const at = (phase: ReconcilePhase, done: number, total: number, changed = 0): ReconcileProgress => ({
  phase,
  done,
  total,
  report: { ...emptyReport(), accountsChanged: changed, grantsChanged: changed },
});

describe('reconcile progress', () => {
  it('on a terminal, redraws one bar per phase in place and keeps it when the phase ends', () => {
    const out = stream(true);
    const c = clock();
    const print = progressPrinter(out, { now: c.now });
    for (let done = 0; done <= 4; done++) {
      c.advance(100);
      print(at('accounts', done, 4, done > 2 ? 1 : 0));
    }
    c.advance(10); // within the redraw interval: skipped unless the phase ends
    print(at('grants', 0, 2));
    c.advance(10);
    print(at('grants', 1, 2));
    c.advance(10);
    print(at('grants', 2, 2));
    const draws = out.text().split('\r\x1b[2K').filter(Boolean);
    expect(draws).toHaveLength(6);
    expect(draws[0]).toMatch(/^accounts \[\.+\] 0\/4  changed 0, errors 0$/);
    expect(draws[2]).toMatch(/^accounts \[#+\.+\] 2\/4/);
    expect(draws[4]).toMatch(/^accounts \[#+\] 4\/4  changed 1, errors 0\n$/);
    expect(draws[5]).toMatch(/^grants   \[#+\] 2\/2  changed 0, errors 0\n$/);
  });

  it('elsewhere, prints plain lines: counts every interval and once per finished phase', () => {
    const out = stream(false);
    const c = clock();
    const print = progressPrinter(out, { now: c.now, everyMs: 5_000 });
    for (let done = 0; done <= 100; done++) {
      c.advance(200); // 20 s in all: a line at 5, 10, 15 and 20 s, and the end
      print(at('grants', done, 100));
    }
    print(at('import', 0, 0));
    const lines = out.text().trimEnd().split('\n');
    expect(out.text()).not.toMatch(/\r|\x1b/);
    expect(lines).toEqual([
      'reconcile grants: 24/100, changed 0, errors 0',
      'reconcile grants: 49/100, changed 0, errors 0',
      'reconcile grants: 74/100, changed 0, errors 0',
      'reconcile grants: 99/100, changed 0, errors 0',
      'reconcile grants: 100/100 done, changed 0, errors 0',
      'reconcile import: 0/0 done, imported 0, errors 0',
    ]);
  });
});
