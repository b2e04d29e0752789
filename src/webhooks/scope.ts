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
 * Our metadata on the event's object. Invoices carry none of their own: their subscription's
 * metadata sits in `subscription_details` (or, in later API versions, `parent.subscription_details`).
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

export type AccountStanding = 'none' | 'known' | 'named_by_metadata' | 'unknown';

export interface EventScope {
  tenantId: string;
  /** The connected account the event is for: ours, claimed by our metadata, or someone else's. */
  account: AccountStanding;
}

function destinationOf(event: Stripe.Event): string | null {
  const object: unknown = event.data.object;
  return isRecord(object) && object.object === 'transfer' && typeof object.destination === 'string' ? object.destination : null;
}

/**
 * The tenant an event belongs to: its connected account's row, else the `nself_tenant_id`
 * our metadata carries, else the default tenant. A transfer (platform channel) belongs to
 * its destination account's tenant.
 */
export async function resolveEventScope(q: Queryable, event: Stripe.Event, defaultTenantId: string): Promise<EventScope> {
  const accountId = event.account ?? destinationOf(event);
  if (accountId) {
    const { rows } = await q.query<{ tenant_id: string }>('SELECT tenant_id FROM np_stripe_accounts WHERE stripe_account_id = $1', [
      accountId,
    ]);
    if (rows[0]) return { tenantId: rows[0].tenant_id, account: event.account ? 'known' : 'none' };
  }
  const metadata = eventMetadata(event);
  const tenantId = UUID.test(metadata.nself_tenant_id ?? '') ? metadata.nself_tenant_id!.toLowerCase() : defaultTenantId;
  if (!event.account) return { tenantId, account: 'none' };
  return { tenantId, account: metadata.nself_entity_id ? 'named_by_metadata' : 'unknown' };
}
