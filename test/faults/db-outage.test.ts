import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { AUTH, testConfig, TEST_ENV } from '../helpers/config.js';
import { seedAccount } from '../webhooks/helpers.js';
import { startOwnPostgres, type OwnPostgres } from './helpers/embedded.js';
import { ledgerProblems } from './helpers/effects.js';
import { mixedEvents, type PlannedEvent } from './helpers/events.js';

interface DeliveryRecord {
  event_id: string;
  attempt: number;
  status: number | null;
  error: string | null;
  at: string;
  duration_ms: number;
}

const ACCOUNT = 'acct_faultsOutage0001';
// The stream runs until this many events went out after the restart (at most MAX_EVENTS).
const AFTER_RESTART = 30;
const MAX_EVENTS = 600;
const STOP_AFTER = 50;
const OUTAGE_MS = 2_500;
const PACE_MS = 15;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a database outage in the middle of a webhook stream', () => {
  let pg: OwnPostgres;
  let sim: Simulator;
  let app: App;
  let baseUrl: string;
  let check: Pool;

  beforeAll(async () => {
    pg = await startOwnPostgres('outage');
    sim = await startSimulator({
      port: 0,
      secretKeys: [TEST_ENV.STRIPE_PLATFORM_SECRET_KEY],
      platformWebhookSecret: TEST_ENV.STRIPE_PLATFORM_WEBHOOK_SECRET,
      connectWebhookSecret: TEST_ENV.STRIPE_CONNECT_WEBHOOK_SECRET,
      retrySchedulesMs: [200, 400, 800, 1600, 3200, 5000, 5000],
    });
    // The app opens (and owns) its pool from DATABASE_URL, as in production.
    app = await buildApp(testConfig({ DATABASE_URL: pg.url, STRIPE_API_BASE: sim.url }));
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    sim.setWebhookTargets({ platformWebhookUrl: `${baseUrl}/stripe/webhook/platform`, connectWebhookUrl: `${baseUrl}/stripe/webhook/connect` });
    check = createPool(pg.url, 2);
    await seedAccount(check, { accountId: ACCOUNT });
  });

  afterAll(async () => {
    await app?.close();
    await sim?.close();
    await check?.end().catch(() => undefined);
    await pg?.destroy();
  });

  it('answers 5xx while the database is away, and every event lands exactly once after Stripe retries', async () => {
    const prepared: PlannedEvent[] = mixedEvents(ACCOUNT, MAX_EVENTS);
    let sent = 0;
    let sentAtRestart = Infinity;
    const window = { down: 0, up: 0 };

    // The stream: the simulator signs and sends each event (its first attempt), paced.
    const stream = (async () => {
      for (const p of prepared) {
        if (sent >= sentAtRestart + AFTER_RESTART) break;
        const res = await fetch(`${sim.url}/_sim/deliver`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ event: p.event, channel: p.channel }),
        });
        expect(res.status).toBe(200);
        sent++;
        await sleep(PACE_MS);
      }
    })();
    // The fault: stop PostgreSQL a third of the way in, keep it away, start it again.
    let onboarding: Promise<Response> | null = null;
    const outage = (async () => {
      while (sent < STOP_AFTER) await sleep(5);
      // A request holding a transaction open across a slow Stripe call when the server goes.
      await fetch(`${sim.url}/_sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ match: { method: 'POST', path: '/v1/accounts' }, hang_ms: 1_000, count: 1 }),
      });
      onboarding = fetch(`${baseUrl}/onboard`, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': 'application/json' },
        body: JSON.stringify({ entity_id: 'operator-mid-outage' }),
      });
      await sleep(300);
      await pg.stop();
      window.down = Date.now();
      await sleep(OUTAGE_MS);
      await pg.start();
      window.up = Date.now();
      sentAtRestart = sent;
    })();
    await Promise.all([stream, outage]);
    expect(sent).toBeGreaterThanOrEqual(sentAtRestart + AFTER_RESTART);
    const planned = prepared.slice(0, sent);
    const total = planned.length;
    // The onboarding whose transaction the outage cut answered 503 and wrote nothing...
    const interrupted = await onboarding!;
    expect(interrupted.status).toBe(503);
    expect(((await interrupted.json()) as { error: { code: string } }).error.code).toBe('database_unavailable');

    // The same app (never rebuilt) is ready again once its pool reconnects.
    const ready = await fetch(`${baseUrl}/ready`);
    expect(ready.status).toBe(200);
    // ...and its retry reuses the account Stripe made meanwhile (same idempotency key): one account, one row.
    const retried = await fetch(`${baseUrl}/onboard`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ entity_id: 'operator-mid-outage' }),
    });
    expect(retried.status).toBe(200);
    const accountId = ((await retried.json()) as { account_id: string }).account_id;
    const atStripe = (await app.ctx.stripe.accounts.list({ limit: 100 })).data.filter((a) => a.metadata?.nself_entity_id === 'operator-mid-outage');
    expect(atStripe.map((a) => a.id)).toEqual([accountId]);
    const { rows: accountRows } = await check.query(`SELECT stripe_account_id FROM np_stripe_accounts WHERE entity_id = 'operator-mid-outage'`);
    expect(accountRows).toEqual([{ stripe_account_id: accountId }]);

    // Redeliveries happen on the simulator's own schedule; wait until every event is in.
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      const { rows } = await check.query<{ n: number }>(`SELECT count(*)::int AS n FROM np_stripe_processed_events WHERE outcome = 'processed'`);
      if (rows[0]!.n >= total) break;
      await sleep(250);
    }
    await sleep(500);

    const deliveries = ((await (await fetch(`${sim.url}/_sim/deliveries`)).json()) as { data: DeliveryRecord[] }).data;
    const during = deliveries.filter((d) => {
      const start = Date.parse(d.at);
      return start > window.down && start + d.duration_ms < window.up;
    });
    const failed = deliveries.filter((d) => d.status !== 200);
    const failedEvents = new Set(failed.map((d) => d.event_id));
    const redelivered = deliveries.filter((d) => d.attempt > 1);

    // While the database was away, nothing was acknowledged.
    expect(during.length).toBeGreaterThan(20);
    expect(during.filter((d) => d.status === 200)).toEqual([]);
    // A failure is a 5xx (Stripe retries those), never a 4xx (Stripe would give up) nor a dropped connection.
    expect(failed.filter((d) => d.status === null || d.status < 500)).toEqual([]);
    // Every event that failed was redelivered and finally acknowledged.
    for (const id of failedEvents) {
      const ok = deliveries.filter((d) => d.event_id === id && d.status === 200);
      expect(ok.length, `event ${id} acknowledged`).toBe(1);
      expect(ok[0]!.attempt).toBeGreaterThan(1);
    }
    // The same pool served the stream again after the restart: first attempts after it were acknowledged.
    const afterRestart = deliveries.filter((d) => d.attempt === 1 && Date.parse(d.at) > window.up);
    expect(afterRestart.length).toBeGreaterThan(10);
    expect(afterRestart.filter((d) => d.status !== 200)).toEqual([]);
    // Row by row: one processed row, one grant, one payment row per payment event, nothing extra.
    expect(await ledgerProblems(check, planned)).toEqual([]);

    const statuses = failed.reduce<Record<string, number>>((acc, d) => ({ ...acc, [String(d.status)]: (acc[String(d.status)] ?? 0) + 1 }), {});
    console.log(
      `[faults] outage ${window.up - window.down} ms (stop→start done); ${during.length} deliveries inside it, ` +
        `${failed.length} failed attempts ${JSON.stringify(statuses)} over ${failedEvents.size} events, ${redelivered.length} redelivery attempts, ` +
        `${deliveries.length} attempts in all for ${total} events; ${afterRestart.length} first attempts after the restart`,
    );
  });
});
