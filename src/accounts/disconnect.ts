import Stripe from 'stripe';
import type { AppContext } from '../context.js';
import { withTransaction } from '../db/transaction.js';
import { NotFound } from '../http/errors.js';
import { findAccountByEntity, markDeauthorized, type AccountRow } from './repository.js';

/**
 * Stripe answers a deauthorize for an account that is no longer connected with invalid_client
 * (or invalid_grant): the connection is already gone, which is what we wanted.
 */
function alreadyDisconnected(err: unknown): boolean {
  if (!(err instanceof Stripe.errors.StripeError)) return false;
  const code = err.code ?? (err.raw as { error?: string } | undefined)?.error;
  return err.type === 'StripeInvalidGrantError' || code === 'invalid_client' || code === 'invalid_grant' || /not connected/i.test(err.message);
}

/**
 * POST /account/:entity_id/disconnect. OAuth connections are revoked at Stripe first; then,
 * for any account, it is deauthorized here, its tokens erased and its grants stop allowing.
 * Repeating it changes nothing.
 */
export async function disconnectAccount(ctx: AppContext, tenantId: string, entityId: string): Promise<AccountRow> {
  const row = await findAccountByEntity(ctx.pool, tenantId, entityId);
  if (!row) throw new NotFound('No connected account for this entity', { entity_id: entityId });
  const accountId = row.stripe_account_id;
  if (!accountId) return row;
  if (row.connected_via === 'oauth' && row.status !== 'deauthorized') {
    try {
      await ctx.stripe.oauth.deauthorize({ client_id: ctx.config.stripe.clientId, stripe_user_id: accountId });
    } catch (err) {
      if (!alreadyDisconnected(err)) throw err;
    }
  }
  return withTransaction(ctx.pool, async (tx) => {
    // Its sold grants follow the account's status (migration 005): denied until it reconnects.
    await markDeauthorized(tx, accountId);
    ctx.logger.info({ entity_id: entityId, account: accountId }, 'account disconnected');
    return (await findAccountByEntity(tx, tenantId, entityId))!;
  });
}
