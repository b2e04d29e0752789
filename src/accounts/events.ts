import type Stripe from 'stripe';
import { ignored, processed, type EventHandler, type HandlerContext } from '../webhooks/types.js';
import type { Tx } from '../db/transaction.js';
import {
  findAccountByStripeId,
  linkAccountFromMetadata,
  markDeauthorized,
  saveSnapshot,
  stopAccountGrants,
  type AccountRow,
} from './repository.js';
import { deriveStatus, snapshotOf } from './status.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An account we have no row for is ours only when its metadata names our entity: an
 * account.updated can overtake the /onboard that created the account.
 */
async function rowForEvent(tx: Tx, account: Stripe.Account, ctx: HandlerContext): Promise<AccountRow | 'unknown' | 'taken'> {
  const known = await findAccountByStripeId(tx, account.id, true);
  if (known) return known;
  const entityId = account.metadata?.nself_entity_id;
  if (!entityId) return 'unknown';
  const named = account.metadata?.nself_tenant_id;
  const tenantId = named && UUID.test(named) ? named.toLowerCase() : ctx.tenantId;
  const linked = await linkAccountFromMetadata(tx, { tenantId, entityId, accountId: account.id });
  return linked ?? 'taken';
}

/**
 * account.updated: sync status, flags and requirements. An event older than the last one
 * applied changes nothing; on a tie (`created` has whole-second resolution) the account is
 * fetched from Stripe and that current state is applied.
 */
export const applyAccountUpdated: EventHandler = async (tx, event, ctx) => {
  if (event.type !== 'account.updated') return ignored('unexpected_type');
  const object = event.data.object;
  const row = await rowForEvent(tx, object, ctx);
  if (row === 'unknown') return ignored('unknown account');
  if (row === 'taken') return ignored('entity already linked to another account');

  const created = new Date(event.created * 1000);
  const last = row.last_event_created?.getTime() ?? null;
  if (last !== null && created.getTime() < last) {
    ctx.logger.debug({ event_id: event.id, account: object.id }, 'account.updated older than the stored state');
    return ignored('stale event');
  }
  const current = last !== null && created.getTime() === last ? await ctx.stripe.accounts.retrieve(object.id) : object;
  const snapshot = snapshotOf(current);
  snapshot.livemode = event.livemode;
  const status = deriveStatus(snapshot, { previous: row.status, visited: true });
  await saveSnapshot(tx, row.id, snapshot, status, created);
  ctx.logger.info({ event_id: event.id, account: object.id, entity_id: row.entity_id, status }, 'account updated');
  return processed;
};

/**
 * account.application.deauthorized (may come with api_version null): the account left the
 * platform. Its status sticks at deauthorized, its tokens are erased and its grants stop allowing.
 */
export const applyAccountDeauthorized: EventHandler = async (tx, event, ctx) => {
  if (event.type !== 'account.application.deauthorized') return ignored('unexpected_type');
  const accountId = event.account;
  if (!accountId) return ignored('unknown account');
  const row = await findAccountByStripeId(tx, accountId, true);
  if (!row) return ignored('unknown account');
  await markDeauthorized(tx, accountId);
  const grants = await stopAccountGrants(tx, accountId);
  ctx.logger.info({ event_id: event.id, account: accountId, entity_id: row.entity_id, grants }, 'account deauthorized');
  return processed;
};
