import type Stripe from 'stripe';
import { withTransaction } from '../../src/db/transaction.js';
import { syncGrantsFromSubscription } from '../../src/entitlements/grants.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { readSubscription } from '../../src/stripe/objects/subscription.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { AUTH, TEST_ENV } from '../helpers/config.js';
import type { Env } from '../../src/config.js';

export const TENANT = '00000000-0000-0000-0000-000000000000';

export interface World {
  sim: Simulator;
  t: TestApp;
  stripe: Stripe;
  close(): Promise<void>;
}

/**
 * The simulator (no webhook targets: nothing reaches the service unless a test writes it)
 * and the real app pointed at it through STRIPE_API_BASE.
 */
export async function startWorld(env: Env = {}): Promise<World> {
  const sim = await startSimulator({ port: 0, secretKeys: [TEST_ENV.STRIPE_PLATFORM_SECRET_KEY], clientId: TEST_ENV.STRIPE_CLIENT_ID });
  const t = await buildTestApp({ env: { STRIPE_API_BASE: sim.url, ...env } });
  return {
    sim,
    t,
    stripe: t.app.ctx.stripe,
    async close() {
      await t.close();
      await sim.close();
    },
  };
}

export async function control<T = Record<string, unknown>>(sim: Simulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export interface RecordedRequest {
  id: string;
  method: string;
  path: string;
  body: Record<string, unknown>;
  headers: { 'stripe-account': string | null; 'idempotency-key': string | null };
  status: number;
}

export async function simRequests(sim: Simulator, method: string, path: string): Promise<RecordedRequest[]> {
  const res = await control<{ data: RecordedRequest[] }>(sim, 'GET', `/_sim/requests?method=${method}&path=${encodeURIComponent(path)}`);
  return res.body.data;
}

/** An onboarded Express account in the simulator and its row in np_stripe_accounts. */
export async function operator(
  w: World,
  entityId: string,
  row: { status?: string; charges_enabled?: boolean; tenantId?: string } = {},
): Promise<string> {
  const account = await w.stripe.accounts.create({ type: 'express', email: `${entityId}@example.com` });
  await control(w.sim, 'POST', `/_sim/accounts/${account.id}/complete_onboarding`);
  await w.t.db.pool.query(
    `INSERT INTO np_stripe_accounts (tenant_id, entity_id, stripe_account_id, connected_via, status, details_submitted, charges_enabled, payouts_enabled)
     VALUES ($1, $2, $3, 'account_link', $4, true, $5, $5)`,
    [row.tenantId ?? TENANT, entityId, account.id, row.status ?? 'active', row.charges_enabled ?? true],
  );
  return account.id;
}

export function recurringPrice(w: World, account: string, unitAmount = 2000): Promise<Stripe.Price> {
  return w.stripe.prices.create(
    { currency: 'usd', unit_amount: unitAmount, recurring: { interval: 'month' }, product_data: { name: 'Pro' } },
    { stripeAccount: account },
  );
}

export function oneTimePrice(w: World, account: string, unitAmount = 5000): Promise<Stripe.Price> {
  return w.stripe.prices.create({ currency: 'usd', unit_amount: unitAmount, product_data: { name: 'Lifetime' } }, { stripeAccount: account });
}

export interface CheckoutRequest {
  entity_id: string;
  price_id: string;
  capabilities: string[];
  [key: string]: unknown;
}

export async function postCheckout(w: World, body: CheckoutRequest, headers: Record<string, string> = {}) {
  return w.t.app.inject({
    method: 'POST',
    url: '/checkout',
    headers: { ...AUTH, ...headers },
    payload: { success_url: 'https://app.example.com/ok', cancel_url: 'https://app.example.com/cancel', ...body },
  });
}

/** Pays a Checkout Session on the simulator's hosted page, as a buyer's browser would. */
export async function payOnHostedPage(sessionUrl: string, email = 'buyer@example.com'): Promise<void> {
  const page = await fetch(sessionUrl);
  if (page.status !== 200) throw new Error(`checkout page answered ${page.status}`);
  const paid = await fetch(sessionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email }).toString(),
    redirect: 'manual',
  });
  if (paid.status !== 302) throw new Error(`paying answered ${paid.status}`);
}

/**
 * Sells `capabilities` to `subject` through /checkout and the hosted page; returns the
 * subscription Stripe created (no webhook reaches the service: grants are written by the test).
 */
export async function buySubscription(
  w: World,
  opts: { operatorEntity: string; account: string; price: string; subject: string; capabilities: string[]; quantity?: number },
): Promise<Stripe.Subscription> {
  const res = await postCheckout(w, {
    entity_id: opts.operatorEntity,
    price_id: opts.price,
    capabilities: opts.capabilities,
    subject_id: opts.subject,
    quantity: opts.quantity ?? 1,
  });
  if (res.statusCode !== 200) throw new Error(`checkout failed: ${res.body}`);
  const session = res.json<{ id: string; url: string }>();
  await payOnHostedPage(session.url);
  const paid = await w.stripe.checkout.sessions.retrieve(session.id, {}, { stripeAccount: opts.account });
  return w.stripe.subscriptions.retrieve(paid.subscription as string, {}, { stripeAccount: opts.account });
}

/** Writes the subscription's grants as the webhook pipeline would: read through its schema, then the grant repository. */
export async function grantFromSubscription(w: World, fetched: Stripe.Subscription, account: string, tenantId = TENANT): Promise<void> {
  const subscription = readSubscription(fetched, `subscription ${fetched.id} as fetched from Stripe`);
  await withTransaction(w.t.db.pool, (tx) =>
    syncGrantsFromSubscription(tx, { tenantId, subscription, accountId: account, eventCreated: null, fetched: true }),
  );
}

export async function getEntitlement(w: World, entity: string, capability: string, headers: Record<string, string> = {}) {
  return w.t.app.inject({ method: 'GET', url: `/entitlement/${entity}/${capability}`, headers: { ...AUTH, ...headers } });
}

/** Makes every grant of a key look older than the TTL. */
export async function ageGrants(w: World, entity: string, capability: string, seconds = 7200): Promise<void> {
  await w.t.db.pool.query(
    `UPDATE np_stripe_entitlements SET cached_at = now() - make_interval(secs => $3) WHERE entity_id = $1 AND capability = $2`,
    [entity, capability, seconds],
  );
}
