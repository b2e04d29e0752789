import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsHistory, type Totals } from '../../src/metrics-history.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ADMIN, BOUND_ADMIN, CHECK, TOKENS_ENV, bearer } from './helpers.js';

interface Summary {
  bucket_seconds: number;
  webhook_events: { series: string[]; total: Record<string, number>; buckets: Array<{ start: string; end: string; counts: Record<string, number> }> };
  entitlement_checks: { series: string[]; total: Record<string, number>; buckets: Array<{ counts: Record<string, number> }> };
}

const totals = (processed: number, failed: number, db: number): Totals => ({
  webhookEvents: { processed, ignored: 0, failed, duplicate: 0 },
  entitlementChecks: { memory: 0, db, stripe: 0, stale: 0 },
});

describe('MetricsHistory', () => {
  it('turns counter totals sampled each minute into per-minute bars, the running minute last', async () => {
    let current = totals(0, 0, 0);
    const history = new MetricsHistory(async () => current, 60_000, 3);
    const t0 = Date.parse('2025-01-01T10:00:00Z');
    await history.sample(t0);
    current = totals(5, 1, 10);
    await history.sample(t0 + 60_000);
    current = totals(7, 1, 30);
    await history.sample(t0 + 120_000);
    current = totals(8, 3, 30);
    const s = await history.summary(60, t0 + 150_000);
    expect(s.webhook_events.buckets.map((b) => [b.start, b.counts.processed, b.counts.failed])).toEqual([
      ['2025-01-01T10:00:00.000Z', 5, 1],
      ['2025-01-01T10:01:00.000Z', 2, 0],
      ['2025-01-01T10:02:00.000Z', 1, 2],
    ]);
    expect(s.entitlement_checks.buckets.map((b) => b.counts.db)).toEqual([10, 20, 0]);
    expect(s.webhook_events.total).toEqual({ processed: 8, ignored: 0, failed: 3, duplicate: 0 });
  });

  it('keeps only the newest samples and answers the last N bars', async () => {
    let n = 0;
    const history = new MetricsHistory(async () => totals(n, 0, 0), 60_000, 3);
    for (let i = 0; i < 6; i++) {
      n = i * 10;
      await history.sample(i * 60_000);
    }
    const s = await history.summary(2, 6 * 60_000);
    expect(s.webhook_events.buckets.map((b) => b.counts.processed)).toEqual([10, 0]);
    expect(s.webhook_events.total.processed).toBe(10);
  });
});

describe('GET /metrics/summary', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: TOKENS_ENV });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts this process billing.can checks by source in the running minute', async () => {
    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'GET', url: '/entitlement/nobody/pro', headers: ADMIN });
    const res = await t.app.inject({ method: 'GET', url: '/metrics/summary?minutes=5', headers: ADMIN });
    expect(res.statusCode).toBe(200);
    const body = res.json<Summary>();
    expect(body.bucket_seconds).toBe(60);
    expect(body.entitlement_checks.series).toEqual(['memory', 'db', 'stripe', 'stale']);
    expect(body.webhook_events.series).toEqual(['processed', 'ignored', 'failed', 'duplicate']);
    expect(body.entitlement_checks.buckets.at(-1)!.counts.db).toBe(3);
    expect(body.entitlement_checks.total.db).toBe(3);
  });

  it('is cross-tenant like /metrics: 401 without a token, 403 for check and tenant-bound tokens', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics/summary' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/metrics/summary', headers: bearer(CHECK) })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/metrics/summary', headers: bearer(BOUND_ADMIN) })).statusCode).toBe(403);
  });

  it('validates its window', async () => {
    for (const q of ['minutes=0', 'minutes=61', 'minutes=x', 'window=5']) {
      const res = await t.app.inject({ method: 'GET', url: `/metrics/summary?${q}`, headers: ADMIN });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'validation_error' } });
    }
  });
});
