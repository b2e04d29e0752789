import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createStripeClient } from '../../src/stripe/client.js';
import { AUTH, testConfig, TEST_ENV } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { tableCounts } from './helpers/effects.js';
import { accountsAtStripe, clearFaults, injectFault, sessionsAtStripe } from './helpers/sim.js';

const TENANT = '00000000-0000-0000-0000-000000000000';
const CLIENT_TIMEOUT_MS = 1_500;
const HANG_MS = 3_000;

interface ErrorBody {
  error: { code: string; message: string; details?: { stripe_request_id?: string | null } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The app with a Stripe client that gives up after 1.5 s and retries `retries` times by itself. */
async function appWith(db: TestDatabase, sim: Simulator, retries: number): Promise<App> {
  const config = testConfig({ STRIPE_API_BASE: sim.url, NSELF_RATE_LIMIT_MAX: '10000' });
  const app = await buildApp(config, {
    pool: db.pool,
    logger: createLogger('silent'),
    stripe: createStripeClient(config, { timeoutMs: CLIENT_TIMEOUT_MS, maxNetworkRetries: retries }),
  });
  await app.ready();
  return app;
}

describe('Stripe failing, rate limiting and hanging', () => {
  let db: TestDatabase;
  let sim: Simulator;
  let app: App;
  let retrying: App;
  let stripe: Stripe;
  let seller: string;
  let monthly: string;

  const post = (path: string, payload: Record<string, unknown>, headers: Record<string, string> = {}, on: App = app) =>
    on.inject({ method: 'POST', url: path, headers: { ...AUTH, ...headers }, payload });
  const checkout = (subject: string, key: string, on: App = app) =>
    post('/checkout', { entity_id: 'seller', price_id: monthly, capabilities: ['pro'], subject_id: subject, success_url: 'https://a.example/ok', cancel_url: 'https://a.example/no' }, { 'idempotency-key': key }, on);
  const accountRows = async (entityId: string) =>
    (await db.pool.query<{ stripe_account_id: string | null }>('SELECT stripe_account_id FROM np_stripe_accounts WHERE entity_id = $1', [entityId])).rows;
  // /onboard commits the entity's row before calling Stripe (SPEC §5, Trust): a failed call leaves
  // that one pending row, with no account, and nothing else.
  const pendingRowAdded = (counts: Record<string, number>) => ({ ...counts, np_stripe_accounts: counts.np_stripe_accounts! + 1 });
  const stateRows = async (entityId: string) =>
    (await db.pool.query('SELECT nonce FROM np_stripe_oauth_states WHERE entity_id = $1', [entityId])).rows.length;

  beforeAll(async () => {
    db = await createTestDatabase();
    sim = await startSimulator({ port: 0, secretKeys: [TEST_ENV.STRIPE_PLATFORM_SECRET_KEY], clientId: TEST_ENV.STRIPE_CLIENT_ID });
    app = await appWith(db, sim, 0);
    retrying = await appWith(db, sim, 1);
    stripe = createStripeClient(testConfig({ STRIPE_API_BASE: sim.url }));
    // An operator who can sell, and a monthly price under its account.
    const account = await stripe.accounts.create({ type: 'express', email: 'seller@example.com' });
    await fetch(`${sim.url}/_sim/accounts/${account.id}/complete_onboarding`, { method: 'POST' });
    await db.pool.query(
      `INSERT INTO np_stripe_accounts (tenant_id, entity_id, stripe_account_id, connected_via, status, charges_enabled, details_submitted)
       VALUES ($1, 'seller', $2, 'account_link', 'active', true, true)`,
      [TENANT, account.id],
    );
    seller = account.id;
    monthly = (
      await stripe.prices.create(
        { currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' }, product_data: { name: 'Pro' } },
        { stripeAccount: seller },
      )
    ).id;
  });
  afterAll(async () => {
    await app?.close();
    await retrying?.close();
    await sim?.close();
    await db?.drop();
  });
  beforeEach(() => clearFaults(sim));

  describe('POST /onboard', () => {
    it.each([
      [500, 'stripe_error'],
      [429, 'stripe_rate_limited'],
    ])('answers 502 when creating the account gets a %i, links no account, and a retry makes exactly one account', async (status, code) => {
      const entity = `op-${status}`;
      const before = await tableCounts(db.pool);
      await injectFault(sim, { match: { method: 'POST', path: '/v1/accounts' }, status, count: 1 });
      const failed = await post('/onboard', { entity_id: entity });
      expect(failed.statusCode).toBe(502);
      const body = failed.json<ErrorBody>();
      expect(body.error.code).toBe(code);
      expect(body.error.details?.stripe_request_id).toMatch(/^req_/);
      expect(await tableCounts(db.pool)).toEqual(pendingRowAdded(before));
      expect(await accountRows(entity)).toEqual([{ stripe_account_id: null }]);

      const ok = await post('/onboard', { entity_id: entity });
      expect(ok.statusCode).toBe(200);
      const accountId = ok.json<{ account_id: string }>().account_id;
      expect(await accountsAtStripe(stripe, entity)).toEqual([accountId]);
      expect(await accountRows(entity)).toEqual([{ stripe_account_id: accountId }]);
    });

    it('answers 504 when Stripe hangs past the client timeout; the retry and the late original make one account', async () => {
      const entity = 'op-hang';
      const before = await tableCounts(db.pool);
      await injectFault(sim, { match: { method: 'POST', path: '/v1/accounts' }, hang_ms: HANG_MS, count: 1 });
      const started = Date.now();
      const failed = await post('/onboard', { entity_id: entity });
      expect(failed.statusCode).toBe(504);
      expect(Date.now() - started).toBeLessThan(HANG_MS);
      const body = failed.json<ErrorBody>();
      expect(body.error.code).toBe('stripe_timeout');
      expect(body.error).toHaveProperty('details.stripe_request_id');
      expect(await tableCounts(db.pool)).toEqual(pendingRowAdded(before));

      // Retried while the first call is still stuck at Stripe: the idempotency key joins them.
      const ok = await post('/onboard', { entity_id: entity });
      expect(ok.statusCode).toBe(200);
      const accountId = ok.json<{ account_id: string }>().account_id;
      await sleep(HANG_MS - (Date.now() - started) + 300);
      expect(await accountsAtStripe(stripe, entity)).toEqual([accountId]);
      expect(await accountRows(entity)).toEqual([{ stripe_account_id: accountId }]);
    });

    it('keeps the created account but no orphan state when only the Account Link call fails', async () => {
      const entity = 'op-link-fails';
      await injectFault(sim, { match: { method: 'POST', path: '/v1/account_links' }, status: 500, count: 1 });
      const failed = await post('/onboard', { entity_id: entity });
      expect(failed.statusCode).toBe(502);
      // The row claims an account that really exists at Stripe, and no onboarding state was left behind.
      const [row] = await accountRows(entity);
      expect(row?.stripe_account_id).toMatch(/^acct_/);
      expect(await accountsAtStripe(stripe, entity)).toEqual([row!.stripe_account_id]);
      expect(await stateRows(entity)).toBe(0);

      const ok = await post('/onboard', { entity_id: entity });
      expect(ok.statusCode).toBe(200);
      expect(ok.json<{ account_id: string }>().account_id).toBe(row!.stripe_account_id);
      expect(await accountsAtStripe(stripe, entity)).toEqual([row!.stripe_account_id]);
      expect(await stateRows(entity)).toBe(1);
    });

    it('rides out a single 500 by itself when the client retries, still with one account', async () => {
      const entity = 'op-sdk-retry';
      await injectFault(sim, { match: { method: 'POST', path: '/v1/accounts' }, status: 500, count: 1 });
      const ok = await post('/onboard', { entity_id: entity }, {}, retrying);
      expect(ok.statusCode).toBe(200);
      const accountId = ok.json<{ account_id: string }>().account_id;
      expect(await accountsAtStripe(stripe, entity)).toEqual([accountId]);
      expect(await accountRows(entity)).toEqual([{ stripe_account_id: accountId }]);
    });
  });

  describe('POST /checkout', () => {
    it.each([
      [500, 'stripe_error'],
      [429, 'stripe_rate_limited'],
    ])('answers 502 when creating the session gets a %i; a retry with the same Idempotency-Key makes one session', async (status, code) => {
      const subject = `buyer-${status}`;
      const key = `checkout-${status}-key`;
      const before = await tableCounts(db.pool);
      await injectFault(sim, { match: { method: 'POST', path: '/v1/checkout/sessions' }, status, count: 1 });
      const failed = await checkout(subject, key);
      expect(failed.statusCode).toBe(502);
      const body = failed.json<ErrorBody>();
      expect(body.error.code).toBe(code);
      expect(body.error.details?.stripe_request_id).toMatch(/^req_/);
      expect(await sessionsAtStripe(stripe, seller, subject)).toEqual([]);

      const ok = await checkout(subject, key);
      expect(ok.statusCode).toBe(200);
      const again = await checkout(subject, key);
      expect(again.json<{ id: string }>().id).toBe(ok.json<{ id: string }>().id);
      expect(await sessionsAtStripe(stripe, seller, subject)).toEqual([ok.json<{ id: string }>().id]);
      expect(await tableCounts(db.pool)).toEqual(before);
    });

    it('answers 504 when Stripe hangs; the retry and the late original share one session', async () => {
      const subject = 'buyer-hang';
      const key = 'checkout-hang-key';
      await injectFault(sim, { match: { method: 'POST', path: '/v1/checkout/sessions' }, hang_ms: HANG_MS, count: 1 });
      const started = Date.now();
      const failed = await checkout(subject, key);
      expect(failed.statusCode).toBe(504);
      expect(failed.json<ErrorBody>().error.code).toBe('stripe_timeout');

      const ok = await checkout(subject, key);
      expect(ok.statusCode).toBe(200);
      await sleep(HANG_MS - (Date.now() - started) + 300);
      expect(await sessionsAtStripe(stripe, seller, subject)).toEqual([ok.json<{ id: string }>().id]);
    });

    it('answers 502 when reading the price fails, before anything is created', async () => {
      const subject = 'buyer-price-fails';
      await injectFault(sim, { match: { method: 'GET', path: '/v1/prices/' }, status: 503, count: 1 });
      const failed = await checkout(subject, 'checkout-price-key');
      expect(failed.statusCode).toBe(502);
      expect(failed.json<ErrorBody>().error.details?.stripe_request_id).toMatch(/^req_/);
      expect(await sessionsAtStripe(stripe, seller, subject)).toEqual([]);
      const ok = await checkout(subject, 'checkout-price-key');
      expect(ok.statusCode).toBe(200);
    });
  });
});
