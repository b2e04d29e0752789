import type { Counter } from 'prom-client';
import type { Metrics } from './metrics.js';

/**
 * The last hour of the service's own counters, for the console's charts. Prometheus counters
 * only hold totals since start, so a sample is kept every minute and a chart bar is the
 * difference between two samples; the last bar runs from the last sample to now. Per process,
 * like /metrics: each replica counts its own traffic.
 */

export const WEBHOOK_OUTCOMES = ['processed', 'ignored', 'failed', 'duplicate'] as const;
export const CHECK_SOURCES = ['memory', 'db', 'stripe', 'stale'] as const;

type Counts<K extends string> = Record<K, number>;

export interface Totals {
  webhookEvents: Counts<(typeof WEBHOOK_OUTCOMES)[number]>;
  entitlementChecks: Counts<(typeof CHECK_SOURCES)[number]>;
}

async function sumBy<L extends string, K extends string>(counter: Counter<L>, label: L, keys: readonly K[]): Promise<Counts<K>> {
  const sums = Object.fromEntries(keys.map((k) => [k, 0])) as Counts<K>;
  // get() runs the counter's collect(), which folds in the batched memory hits as a scrape does.
  for (const { labels, value } of (await counter.get()).values) {
    const key = labels[label];
    if (typeof key === 'string' && (keys as readonly string[]).includes(key)) sums[key as K] += value;
  }
  return sums;
}

export async function readTotals(metrics: Metrics): Promise<Totals> {
  return {
    webhookEvents: await sumBy(metrics.webhookEvents, 'outcome', WEBHOOK_OUTCOMES),
    entitlementChecks: await sumBy(metrics.entitlementChecks, 'source', CHECK_SOURCES),
  };
}

interface Sample {
  at: number;
  totals: Totals;
}

export interface Bucket<K extends string> {
  start: string;
  end: string;
  counts: Counts<K>;
}

function diff<K extends string>(later: Counts<K>, earlier: Counts<K>): Counts<K> {
  const out = { ...later };
  for (const k of Object.keys(later) as K[]) out[k] = Math.max(0, later[k] - earlier[k]);
  return out;
}

export class MetricsHistory {
  private readonly samples: Sample[] = [];

  constructor(
    private readonly read: () => Promise<Totals>,
    readonly bucketMs = 60_000,
    private readonly keep = 60,
  ) {}

  async sample(now = Date.now()): Promise<void> {
    this.samples.push({ at: now, totals: await this.read() });
    if (this.samples.length > this.keep) this.samples.splice(0, this.samples.length - this.keep);
  }

  /** The last `buckets` bars, oldest first, the running one included. */
  async summary(buckets: number, now = Date.now()) {
    const points = [...this.samples, { at: now, totals: await this.read() }];
    const bars = points.slice(1).map((p, i) => ({ from: points[i]!, to: p }));
    const recent = bars.slice(-buckets);
    const series = <K extends string>(pick: (t: Totals) => Counts<K>, keys: readonly K[]) => {
      const data: Bucket<K>[] = recent.map((b) => ({
        start: new Date(b.from.at).toISOString(),
        end: new Date(b.to.at).toISOString(),
        counts: diff(pick(b.to.totals), pick(b.from.totals)),
      }));
      const first = recent[0];
      const total = first ? diff(pick(points.at(-1)!.totals), pick(first.from.totals)) : pick(points.at(-1)!.totals);
      return { series: keys, total, buckets: data };
    };
    return {
      bucket_seconds: this.bucketMs / 1000,
      since: new Date(points[0]!.at).toISOString(),
      webhook_events: series((t) => t.webhookEvents, WEBHOOK_OUTCOMES),
      entitlement_checks: series((t) => t.entitlementChecks, CHECK_SOURCES),
    };
  }
}
