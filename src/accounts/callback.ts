import type { AppContext } from '../context.js';
import { withTransaction, type Tx } from '../db/transaction.js';
import { BadRequest, NotFound } from '../http/errors.js';
import { mintAccountLink } from './links.js';
import { findAccountByEntity, saveSnapshot } from './repository.js';
import { consumeState, verifyState, type StatePayload } from './state.js';
import { deriveStatus, snapshotOf, type AccountStatus } from './status.js';
import { storeOAuthLink } from './tokens.js';

export interface CallbackQuery {
  state: string;
  code?: string;
  error?: string;
  refresh?: string;
}

export type CallbackOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'json'; body: { status: AccountStatus; account_id: string; entity_id: string } };

/** `url` with one more query parameter, keeping whatever query it already has. */
export function withQuery(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

function finish(state: StatePayload, status: AccountStatus, accountId: string): CallbackOutcome {
  if (state.return_url) return { kind: 'redirect', location: withQuery(state.return_url, 'status', status) };
  return { kind: 'json', body: { status, account_id: accountId, entity_id: state.entity } };
}

/** The operator approved: exchange the code, fetch the account, store the link and encrypted tokens. */
async function completeOAuth(tx: Tx, ctx: AppContext, state: StatePayload, code: string): Promise<CallbackOutcome> {
  const token = await ctx.stripe.oauth.token({ grant_type: 'authorization_code', code });
  const accountId = token.stripe_user_id;
  if (!accountId || !token.access_token) throw new BadRequest('Stripe returned no connected account for this code', undefined, 'oauth_failed');
  const account = await ctx.stripe.accounts.retrieve(accountId);
  const snapshot = snapshotOf(account);
  snapshot.livemode = token.livemode === true;
  const previous = await findAccountByEntity(tx, state.tenant, state.entity, true);
  const status = deriveStatus(snapshot, { previous: previous?.status ?? null, visited: true, reconnect: true });
  const row = await storeOAuthLink(tx, ctx.config, {
    tenantId: state.tenant,
    entityId: state.entity,
    accountId,
    tokens: { accessToken: token.access_token, refreshToken: token.refresh_token ?? null, scope: token.scope ?? null, livemode: snapshot.livemode },
    snapshot,
    status,
  });
  ctx.logger.info({ entity_id: row.entity_id, account: accountId, status }, 'account connected by OAuth');
  return finish(state, status, accountId);
}

/** Back from an Account Link: record the account's state, or (refresh) send the operator to a fresh link. */
async function completeAccountLink(tx: Tx, ctx: AppContext, state: StatePayload, refresh: boolean): Promise<CallbackOutcome> {
  const row = await findAccountByEntity(tx, state.tenant, state.entity, true);
  if (!row?.stripe_account_id) throw new NotFound('No Stripe account is being onboarded for this entity');
  const accountId = row.stripe_account_id;
  if (refresh) {
    const link = await mintAccountLink(tx, ctx, { tenantId: state.tenant, entityId: state.entity, accountId, returnUrl: state.return_url ?? null });
    return { kind: 'redirect', location: link.url };
  }
  const snapshot = snapshotOf(await ctx.stripe.accounts.retrieve(accountId));
  snapshot.livemode = row.livemode;
  const status = deriveStatus(snapshot, { previous: row.status, visited: true });
  await saveSnapshot(tx, row.id, snapshot, status, null);
  ctx.logger.info({ entity_id: row.entity_id, account: accountId, status }, 'account onboarding return');
  return finish(state, status, accountId);
}

/**
 * GET /onboard/callback. The state is verified (signature, expiry) before anything else and
 * consumed in the same transaction as the effect: any failure rolls everything back, so
 * nothing is stored, and a concurrent reuse waits on the nonce row and then finds it used.
 */
export async function handleCallback(ctx: AppContext, query: CallbackQuery): Promise<CallbackOutcome> {
  const state = verifyState(ctx.config.stateSecret, query.state);
  if (query.error !== undefined) {
    await consumeState(ctx.pool, state);
    // Only an OAuth error code travels on; anything else the browser sent is not repeated.
    const error = /^[a-z_]{1,64}$/.test(query.error) ? query.error : 'access_denied';
    if (state.return_url) return { kind: 'redirect', location: withQuery(state.return_url, 'error', error) };
    throw new BadRequest('The operator did not authorize the connection', { error }, 'access_denied');
  }
  return withTransaction(ctx.pool, async (tx) => {
    await consumeState(tx, state);
    if (state.purpose === 'account_link') return completeAccountLink(tx, ctx, state, query.refresh !== undefined);
    if (!query.code) throw new BadRequest('The callback carries neither a code nor an error', undefined, 'missing_code');
    return completeOAuth(tx, ctx, state, query.code);
  });
}
