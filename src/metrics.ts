import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Pool } from './db/pool.js';

/** One registry per app instance, so several apps in one process (tests, replicas) never clash. */
export function createMetrics(pool: Pool) {
  const registry = new Registry();
  const memoryHits = { true: 0, false: 0 };
  collectDefaultMetrics({ register: registry, prefix: 'nself_stripe_' });
  const metrics = {
    registry,
    webhookEvents: new Counter({
      name: 'nself_stripe_webhook_events_total',
      help: 'Webhook deliveries by channel, event type and outcome',
      labelNames: ['channel', 'type', 'outcome'] as const,
      registers: [registry],
    }),
    webhookDuration: new Histogram({
      name: 'nself_stripe_webhook_processing_seconds',
      help: 'Time from a verified delivery to its commit',
      labelNames: ['channel'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    webhookBatchEvents: new Histogram({
      name: 'nself_stripe_webhook_batch_events',
      help: 'Events applied per ingest batch (group commit: one statement and one commit each)',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    entitlementChecks: new Counter({
      name: 'nself_stripe_entitlement_checks_total',
      help: 'billing.can answers by where they came from (memory, db, stripe) and result',
      labelNames: ['source', 'result'] as const,
      registers: [registry],
      // Memory hits are the hot path: counted in plain numbers, folded in when scraped.
      collect() {
        for (const result of ['true', 'false'] as const) {
          const n = memoryHits[result];
          if (n > 0) this.inc({ source: 'memory', result }, n);
          memoryHits[result] = 0;
        }
      },
    }),
    /** Counts a billing.can answered from memory (see entitlementChecks). */
    memoryHit(allowed: boolean): void {
      memoryHits[allowed ? 'true' : 'false']++;
    },
    stripeCalls: new Counter({
      name: 'nself_stripe_stripe_api_calls_total',
      help: 'Stripe API calls by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'nself_stripe_db_pool_connections',
    help: 'PostgreSQL pool connections by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
