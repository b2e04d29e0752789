import type { Queryable } from '../db/pool.js';
import { capability as capabilitySchema, entityId as entityIdSchema } from '../http/schemas.js';
import type { StripeClient } from '../stripe/client.js';
import { fetchSubscription } from '../stripe/fetched.js';
import type { Subscription } from '../stripe/objects/subscription.js';

/**
 * The grant WRITE repository: every change a subscription, a payment or an invoice makes to
 * np_stripe_entitlements goes through here, inside the caller's transaction.
 */

const ALLOWING = new Set(['active', 'trialing']);
// A canceled (or expired-before-paid) subscription can never become active again in Stripe.
const TERMINAL = new Set(['canceled', 'incomplete_expired']);

export interface GrantKey {
  entityId: string;
  capability: string;
}

export interface GrantTarget {
  entityId: string;
  capabilities: string[];
}

/** The entity and capabilities our metadata names (`nself_entity_id`, comma-joined `nself_capabilities`). */
export function grantTargetFromMetadata(metadata: Readonly<Record<string, string>> | null | undefined): GrantTarget | null {
  const entity = entityIdSchema.safeParse(metadata?.nself_entity_id);
  if (!entity.success) return null;
  const capabilities = [
    ...new Set(
      (metadata?.nself_capabilities ?? '')
        .split(',')
        .map((c) => c.trim())
        .filter((c) => capabilitySchema.safeParse(c).success),
    ),
  ].sort();
  return capabilities.length > 0 ? { entityId: entity.data, capabilities } : null;
}

export interface SubscriptionState {
  status: string;
  allowed: boolean;
  terminal: boolean;
  quantity: number;
  periodEnd: Date | null;
  customerId: string | null;
}

/**
 * What a subscription means for its grants. The quantity is the seats over its items (an item
 * without one, a metered price, counts once); the period is the one the schema read from the
 * subscription (acacia) or its items (basil).
 */
export function subscriptionState(sub: Subscription): SubscriptionState {
  const quantity = sub.items.reduce((sum, item) => sum + (item.quantity ?? 1), 0);
  return {
    status: sub.status,
    allowed: ALLOWING.has(sub.status),
    terminal: TERMINAL.has(sub.status),
    quantity: sub.items.length > 0 ? quantity : 1,
    periodEnd: sub.periodEnd,
    customerId: sub.customerId,
  };
}

export interface SubscriptionSync {
  tenantId: string;
  /** Read through src/stripe/objects/subscription.ts, whichever version it came in. */
  subscription: Subscription;
  /** The connected account the subscription lives under (null: the platform). */
  accountId: string | null;
  /** `created` of the event carrying this state; null = the state was fetched from Stripe. */
  eventCreated: Date | null;
  /** True when `subscription` was just retrieved from Stripe (TTL refresh, reconcile, tie). */
  fetched: boolean;
  /** When the fetch started (default now): state confirmed as of then. */
  fetchedAt?: Date;
  /** Settles a same-second tie by fetching the subscription; without it a tie is applied as is. */
  stripe?: StripeClient;
}

export type SyncOutcome = 'applied' | 'stale' | 'no_metadata';

export interface SyncResult {
  outcome: SyncOutcome;
  /** The grants whose state this call wrote. */
  changed: GrantKey[];
  state: SubscriptionState;
}

interface StoredGrant {
  entity_id: string;
  capability: string;
  last_event_created: Date | null;
  revoked_at: Date | null;
}

/**
 * Locks and returns the grants a subscription backs under this account, in a fixed order (no
 * deadlocks between events). A grant sold under another account is not this event's to touch.
 */
export async function lockSubscriptionGrants(
  tx: Queryable,
  tenantId: string,
  subscriptionId: string,
  accountId: string | null,
): Promise<StoredGrant[]> {
  const { rows } = await tx.query<StoredGrant>(
    `SELECT entity_id, capability, last_event_created, revoked_at FROM np_stripe_entitlements
      WHERE tenant_id = $1 AND source_type = 'subscription' AND source_id = $2 AND stripe_account_id IS NOT DISTINCT FROM $3
      ORDER BY entity_id, capability FOR UPDATE`,
    [tenantId, subscriptionId, accountId],
  );
  return rows;
}

const seconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

// Events apply only over strictly older state ($12 = false); confirmed (fetched) state over
// anything not newer than the fetch ($12 = true). A terminal state ($13: canceled) applies
// whatever its time, since no later state can follow it in Stripe; and nothing but another
// terminal state touches a revoked grant, so nothing older than a deletion brings it back.
// A grant never changes account: a subscription of the same id under another account (or the
// platform) leaves it alone.
const UPSERT_SUBSCRIPTION_GRANT = `
INSERT INTO np_stripe_entitlements AS g (tenant_id, entity_id, capability, source_type, source_id, status, allowed,
  quantity, current_period_end, stripe_account_id, stripe_customer_id, cached_at, last_event_created, revoked_at)
VALUES ($1, $2, $3, 'subscription', $4, $5, $6, $7, $8, $9, $10, now(), $11, CASE WHEN $13::boolean THEN now() END)
ON CONFLICT (tenant_id, entity_id, capability, source_id) DO UPDATE SET
  status = EXCLUDED.status,
  allowed = EXCLUDED.allowed,
  quantity = EXCLUDED.quantity,
  current_period_end = COALESCE(EXCLUDED.current_period_end, g.current_period_end),
  stripe_customer_id = COALESCE(EXCLUDED.stripe_customer_id, g.stripe_customer_id),
  cached_at = now(),
  last_event_created = GREATEST(g.last_event_created, EXCLUDED.last_event_created),
  revoked_at = COALESCE(g.revoked_at, EXCLUDED.revoked_at),
  updated_at = now()
WHERE g.stripe_account_id IS NOT DISTINCT FROM EXCLUDED.stripe_account_id
  AND (g.revoked_at IS NULL OR $13::boolean)
  AND ($13::boolean OR g.last_event_created IS NULL OR g.last_event_created < EXCLUDED.last_event_created
       OR ($12::boolean AND g.last_event_created <= EXCLUDED.last_event_created))
RETURNING entity_id, capability`;

/**
 * Creates or refreshes the grants of one subscription from its state and metadata: the
 * capabilities its metadata names, plus any grant already backed by it. Works before the
 * checkout session's event arrives. An event older than the stored state changes nothing;
 * an event of the same second is settled by fetching the subscription (`stripe`).
 */
export async function syncGrantsFromSubscription(tx: Queryable, input: SubscriptionSync): Promise<SyncResult> {
  const sub = input.subscription;
  const state = subscriptionState(sub);
  const stored = await lockSubscriptionGrants(tx, input.tenantId, sub.id, input.accountId);
  const keys = new Map<string, GrantKey>();
  for (const row of stored) keys.set(`${row.entity_id}\u0000${row.capability}`, { entityId: row.entity_id, capability: row.capability });
  const target = grantTargetFromMetadata(sub.metadata);
  for (const capability of target?.capabilities ?? []) {
    keys.set(`${target!.entityId}\u0000${capability}`, { entityId: target!.entityId, capability });
  }
  if (keys.size === 0) return { outcome: 'no_metadata', changed: [], state };

  const confirmed = input.fetched || input.eventCreated === null;
  // A fetch confirms the state as of the second it started; Stripe's `created` has whole seconds.
  const stamp = confirmed ? seconds(input.fetchedAt ?? new Date()) : input.eventCreated!;
  const ordered = [...keys.values()].sort((a, b) =>
    a.entityId === b.entityId ? a.capability.localeCompare(b.capability) : a.entityId.localeCompare(b.entityId),
  );
  const changed: GrantKey[] = [];
  for (const key of ordered) {
    const { rows } = await tx.query<{ entity_id: string; capability: string }>(UPSERT_SUBSCRIPTION_GRANT, [
      input.tenantId,
      key.entityId,
      key.capability,
      sub.id,
      state.status,
      state.allowed,
      state.quantity,
      state.periodEnd,
      input.accountId,
      state.customerId,
      stamp,
      confirmed,
      state.terminal,
    ]);
    if (rows[0]) changed.push({ entityId: rows[0].entity_id, capability: rows[0].capability });
  }
  if (!confirmed && input.stripe && !state.terminal && changed.length < ordered.length) {
    // Checked after the upserts, so a grant a concurrent event inserted meanwhile counts too.
    const tied = await hasTie(tx, input, input.eventCreated!, changed);
    if (tied) {
      const fetchedAt = new Date();
      const current = await fetchSubscription(input.stripe, sub.id, input.accountId);
      return syncGrantsFromSubscription(tx, { ...input, subscription: current, eventCreated: null, fetched: true, fetchedAt });
    }
  }
  return { outcome: changed.length > 0 ? 'applied' : 'stale', changed, state };
}

/** A grant this event did not change holds state of the very same second: only Stripe can say which is newer. */
async function hasTie(tx: Queryable, input: SubscriptionSync, created: Date, changed: GrantKey[]): Promise<boolean> {
  const done = new Set(changed.map((k) => `${k.entityId}\u0000${k.capability}`));
  const rows = await lockSubscriptionGrants(tx, input.tenantId, input.subscription.id, input.accountId);
  return rows.some(
    (r) =>
      !done.has(`${r.entity_id}\u0000${r.capability}`) &&
      r.revoked_at === null &&
      r.last_event_created?.getTime() === created.getTime(),
  );
}
