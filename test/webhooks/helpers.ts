import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import type { Env } from '../../src/config.js';
import type { Pool } from '../../src/db/pool.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createStripeClient, sdkApiVersion } from '../../src/stripe/client.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { TEST_ENV, testConfig } from '../helpers/config.js';

export const PLATFORM_SECRET = TEST_ENV.STRIPE_PLATFORM_WEBHOOK_SECRET;
export const CONNECT_SECRET = TEST_ENV.STRIPE_CONNECT_WEBHOOK_SECRET;
export const TENANT = '4f1c6f0e-1d7e-4a5b-9a52-5a2f8f0c1b11';

// Only its webhook helpers are used: signing needs no network.
const sdk = new Stripe('sk_test_unused', { apiVersion: sdkApiVersion('2024-12-18.acacia') });

export function signature(payload: string, secret: string, timestamp?: number): string {
  return sdk.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp === undefined ? {} : { timestamp }) });
}

let seq = 0;
export const uniqueId = (prefix: string): string => `${prefix}_${Date.now().toString(36)}${(seq++).toString(36)}${randomUUID().slice(0, 6)}`;

export interface EventInput {
  type: string;
  object: Record<string, unknown>;
  account?: string | null;
  created?: number;
  id?: string;
  livemode?: boolean;
  /** The endpoint's API version the object is shaped for (default the pinned acacia). */
  apiVersion?: string;
}

/** A Stripe event envelope as Stripe sends it (api_version of the pinned version unless told). */
export function makeEvent(e: EventInput): Stripe.Event {
  const event = {
    id: e.id ?? uniqueId('evt'),
    object: 'event',
    api_version: e.apiVersion ?? '2024-12-18.acacia',
    created: e.created ?? Math.floor(Date.now() / 1000),
    data: { object: e.object },
    livemode: e.livemode ?? false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: e.type,
    ...(e.account ? { account: e.account } : {}),
  };
  return event as unknown as Stripe.Event;
}

/** A connected account row as onboarding would leave it. */
export async function seedAccount(pool: Pool, opts: { accountId: string; tenantId?: string; entityId?: string }): Promise<void> {
  await pool.query(
    `INSERT INTO np_stripe_accounts (tenant_id, entity_id, stripe_account_id, connected_via, status, charges_enabled)
     VALUES ($1, $2, $3, 'account_link', 'active', true)`,
    [opts.tenantId ?? TENANT, opts.entityId ?? uniqueId('operator'), opts.accountId],
  );
}

/** A connected account the simulator knows, created through the real SDK as onboarding does. */
export async function simulatedAccount(sim: Simulator): Promise<string> {
  const stripe = createStripeClient(testConfig({ STRIPE_API_BASE: sim.url }));
  return (await stripe.accounts.create({ type: 'express', country: 'US', email: 'seller@example.com' })).id;
}

/** The app on a simulator of its own, with one connected account of TENANT known to both. */
export async function appWithConnectedAccount(env: Env = {}): Promise<{ sim: Simulator; t: TestApp; account: string }> {
  const sim = await startSimulator({ port: 0 });
  const t = await buildTestApp({ env: { STRIPE_API_BASE: sim.url, ...env } });
  const account = await simulatedAccount(sim);
  await seedAccount(t.db.pool, { accountId: account });
  return { sim, t, account };
}

const TABLES = ['np_stripe_accounts', 'np_stripe_entitlements', 'np_stripe_processed_events', 'np_stripe_oauth_states', 'np_stripe_payments'];

/** Row counts of every table: a refused delivery must leave all of them as they were. */
export async function countRows(pool: Pool): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    out[t] = rows[0]!.n;
  }
  return out;
}

export interface GrantRow {
  entity_id: string;
  capability: string;
  source_type: string;
  source_id: string;
  status: string;
  allowed: boolean;
  quantity: number;
  payment_failed: boolean;
  revoked_at: Date | null;
  current_period_end: Date | null;
  stripe_account_id: string | null;
  stripe_customer_id: string | null;
  checkout_session_id: string | null;
  last_event_created: Date | null;
  cached_at: Date;
  tenant_id: string;
}

export async function grantsOf(pool: Pool, sourceId: string): Promise<GrantRow[]> {
  const { rows } = await pool.query<GrantRow>('SELECT * FROM np_stripe_entitlements WHERE source_id = $1 ORDER BY entity_id, capability', [
    sourceId,
  ]);
  return rows;
}

export async function eventRowOf(pool: Pool, eventId: string) {
  const { rows } = await pool.query<{ outcome: string; attempts: number; ignored_reason: string | null; last_error: string | null; tenant_id: string }>(
    'SELECT outcome, attempts, ignored_reason, last_error, tenant_id FROM np_stripe_processed_events WHERE event_id = $1',
    [eventId],
  );
  return rows[0] ?? null;
}

/** A subscription object in the pinned API version's shape, carrying our metadata. */
export function subscriptionObject(o: {
  id: string;
  status: string;
  entityId?: string;
  capabilities?: string;
  quantities?: number[];
  customer?: string;
  periodEnd?: number;
  itemPeriodEndOnly?: boolean;
}): Record<string, unknown> {
  const end = o.periodEnd ?? Math.floor(Date.now() / 1000) + 30 * 86400;
  const items = (o.quantities ?? [1]).map((q, i) => ({
    id: `si_${o.id}_${i}`,
    object: 'subscription_item',
    quantity: q,
    price: { id: 'price_pro', object: 'price' },
    ...(o.itemPeriodEndOnly ? { current_period_end: end } : {}),
  }));
  return {
    id: o.id,
    object: 'subscription',
    status: o.status,
    customer: o.customer ?? 'cus_test',
    ...(o.itemPeriodEndOnly ? {} : { current_period_end: end }),
    items: { object: 'list', data: items, has_more: false },
    metadata: {
      nself_tenant_id: TENANT,
      ...(o.entityId === undefined ? {} : { nself_entity_id: o.entityId }),
      ...(o.capabilities === undefined ? {} : { nself_capabilities: o.capabilities }),
    },
  };
}

interface Injectable {
  inject(opts: { method: 'POST'; url: string; headers: Record<string, string>; payload: string }): Promise<{ statusCode: number; json(): unknown }>;
}

/** Sends an event to a channel's route, signed with that channel's secret (or as told). */
export async function deliver(
  app: Injectable,
  event: Stripe.Event,
  opts: { channel?: 'platform' | 'connect'; secret?: string; headers?: Record<string, string>; payload?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const channel = opts.channel ?? (event.account ? 'connect' : 'platform');
  const payload = opts.payload ?? JSON.stringify(event);
  const secret = opts.secret ?? (channel === 'connect' ? CONNECT_SECRET : PLATFORM_SECRET);
  const res = await app.inject({
    method: 'POST',
    url: `/stripe/webhook/${channel}`,
    headers: { 'content-type': 'application/json', 'stripe-signature': signature(payload, secret), ...opts.headers },
    payload,
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}
