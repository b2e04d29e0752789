import { fetchAccount } from '../stripe/fetched.js';
import { readAccount, type Account } from '../stripe/objects/account.js';
import { ignored, objectHandler, processed, type EventHandler } from '../webhooks/types.js';
import { namedOperator } from '../webhooks/scope.js';
import type { Tx } from '../db/transaction.js';
import { findAccountByStripeId, linkPendingAccount, markDeauthorized, saveSnapshot, type AccountRow } from './repository.js';
import { deriveStatus, snapshotOf } from './status.js';

/**
 * Our row for the account. An account we have no row for is linked only to a row /onboard
 * recorded before creating it and has not linked yet (the event overtook /onboard's own
 * update); if /onboard linked it meanwhile, that row is found on the second look.
 */
async function rowForEvent(tx: Tx, account: Account): Promise<AccountRow | null> {
  const known = await findAccountByStripeId(tx, account.id, true);
  if (known) return known;
  const operator = namedOperator(account.metadata);
  if (!operator) return null;
  return (await linkPendingAccount(tx, { ...operator, accountId: account.id })) ?? findAccountByStripeId(tx, account.id, true);
}

/**
 * account.updated: sync status, flags and requirements. An event older than the last one
 * applied changes nothing; on a tie (`created` has whole-second resolution) the account is
 * fetched from Stripe and that current state is applied.
 */
export const applyAccountUpdated = objectHandler(readAccount, async (tx, event, object, ctx) => {
  const row = await rowForEvent(tx, object);
  if (!row) return ignored('unknown_account');

  const created = new Date(event.created * 1000);
  const last = row.last_event_created?.getTime() ?? null;
  if (last !== null && created.getTime() < last) {
    ctx.logger.debug({ event_id: event.id, account: object.id }, 'account.updated older than the stored state');
    return ignored('stale event');
  }
  const current = last !== null && created.getTime() === last ? await fetchAccount(ctx.stripe, object.id) : object;
  const snapshot = snapshotOf(current, event.livemode);
  const status = deriveStatus(snapshot, { previous: row.status, visited: true });
  await saveSnapshot(tx, row.id, snapshot, status, created);
  ctx.logger.info({ event_id: event.id, account: object.id, entity_id: row.entity_id, status }, 'account updated');
  return processed;
});

/**
 * account.application.deauthorized (may come with api_version null): the account left the
 * platform. Its status sticks at deauthorized, its tokens are erased and its grants stop allowing.
 */
export const applyAccountDeauthorized: EventHandler = async (tx, event, ctx) => {
  // Its object is the platform's application, nothing we read: the envelope's account says whose.
  const accountId = event.account;
  if (!accountId) return ignored('unknown_account');
  const row = await findAccountByStripeId(tx, accountId, true);
  if (!row) return ignored('unknown_account');
  // The grants sold under it follow the account's status (migration 005): denied until it reconnects.
  await markDeauthorized(tx, accountId);
  ctx.logger.info({ event_id: event.id, account: accountId, entity_id: row.entity_id }, 'account deauthorized');
  return processed;
};
