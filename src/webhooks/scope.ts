import type Stripe from 'stripe';
import type { Queryable } from '../db/pool.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/**
 * Our metadata on the event's object, for routing only. Invoices carry none of their own: their
 * subscription's metadata sits in `subscription_details` (acacia) or `parent.subscription_details`
 * (basil), the places src/stripe/objects/invoice.ts reads. This runs before the object is read
 * through its schema and never throws: an event of an account that is not ours is ignored
 * whatever its object, and a malformed object of ours fails in its handler with the field named.
 */
export function eventMetadata(event: Stripe.Event): Record<string, string> {
  const object: unknown = event.data.object;
  if (!isRecord(object)) return {};
  const own = stringMap(object.metadata);
  if (own.nself_entity_id || own.nself_tenant_id) return own;
  const details = isRecord(object.subscription_details)
    ? object.subscription_details
    : isRecord(object.parent) && isRecord(object.parent.subscription_details)
      ? object.parent.subscription_details
      : null;
  const inherited = stringMap(details?.metadata);
  return Object.keys(inherited).length > 0 ? inherited : own;
}

/**
 * Where the event's connected account stands with us: `known` (our row), `claimable` (an
 * account.updated naming a row /onboard recorded and has not linked yet), `unknown` (someone
 * else's: nothing may change), or `none` (a platform event about the platform's own objects).
 */
export type AccountStanding = 'none' | 'known' | 'claimable' | 'unknown';

export interface EventScope {
  tenantId: string;
  account: AccountStanding;
}

function destinationOf(event: Stripe.Event): string | null {
  const object: unknown = event.data.object;
  return isRecord(object) && object.object === 'transfer' && typeof object.destination === 'string' ? object.destination : null;
}

/** The (tenant, entity) an account's metadata names, when both are well-formed. */
export function namedOperator(metadata: Record<string, string>): { tenantId: string; entityId: string } | null {
  const tenantId = metadata.nself_tenant_id;
  const entityId = metadata.nself_entity_id;
  if (!tenantId || !UUID.test(tenantId) || !entityId) return null;
  return { tenantId: tenantId.toLowerCase(), entityId };
}

/**
 * The tenant an event belongs to (SPEC §5, Trust). Whoever owns a connected account writes
 * the metadata of its objects, so for a Connect event only our account row decides; an
 * account we have no row for changes nothing, whatever its metadata says. The one exception
 * is an account.updated that overtakes the /onboard which created the account: /onboard
 * commits its row before calling Stripe, and an account naming such a row, still without an
 * account id, may be linked to it. Platform events (no `account`) are the platform's own and
 * are routed by their metadata; a transfer belongs to its destination account's tenant.
 *
 * The account row is share-locked: a disconnect committing meanwhile waits for this event,
 * or this event sees it (the grant guard of migration 005 takes the same lock).
 */
export async function resolveEventScope(q: Queryable, event: Stripe.Event, defaultTenantId: string): Promise<EventScope> {
  const accountId = event.account ?? destinationOf(event);
  if (accountId) {
    const { rows } = await q.query<{ tenant_id: string }>(
      'SELECT tenant_id FROM np_stripe_accounts WHERE stripe_account_id = $1 FOR SHARE',
      [accountId],
    );
    if (rows[0]) return { tenantId: rows[0].tenant_id, account: event.account ? 'known' : 'none' };
  }
  const metadata = eventMetadata(event);
  if (!event.account) {
    const named = metadata.nself_tenant_id;
    return { tenantId: named && UUID.test(named) ? named.toLowerCase() : defaultTenantId, account: 'none' };
  }
  const operator = event.type === 'account.updated' ? namedOperator(metadata) : null;
  if (operator) {
    const { rows } = await q.query(
      'SELECT 1 FROM np_stripe_accounts WHERE tenant_id = $1 AND entity_id = $2 AND stripe_account_id IS NULL',
      [operator.tenantId, operator.entityId],
    );
    if (rows.length > 0) return { tenantId: operator.tenantId, account: 'claimable' };
  }
  return { tenantId: defaultTenantId, account: 'unknown' };
}

/** A known account's event whose metadata names another tenant was not made by us: nothing applies. */
export function namesAnotherTenant(event: Stripe.Event, scope: EventScope): boolean {
  if (scope.account !== 'known') return false;
  const named = eventMetadata(event).nself_tenant_id;
  return named !== undefined && named.toLowerCase() !== scope.tenantId;
}
