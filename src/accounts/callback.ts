import Stripe from 'stripe';
import type { AppContext } from '../context.js';
import { withTransaction } from '../db/transaction.js';
import { AppError, BadRequest, Conflict, NotFound } from '../http/errors.js';
import { fetchAccount } from '../stripe/fetched.js';
import { mintAccountLink } from './links.js';
import { findAccountByEntity, findAccountByStripeId, saveSnapshot } from './repository.js';
import { spendState, verifyState, type StatePayload } from './state.js';
import { deriveStatus, snapshotOf, type AccountSnapshot, type AccountStatus } from './status.js';
import { sealTokens, storeOAuthLink, type OAuthTokens } from './tokens.js';

export interface CallbackQuery {
  state: string;
  code?: string;
  error?: string;
  refresh?: string;
}

export type CallbackOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'json'; body: { status: AccountStatus; account_id: string; entity_id: string } };

/** What the browser came back with, decided before the state is spent. */
type Return = { kind: 'denied'; error: string } | { kind: 'oauth'; code: string } | { kind: 'account_link'; refresh: boolean };

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

/**
 * A denial at Stripe and a link we refuse after the exchange end the same way: with a known
 * return_url the browser goes back there with `?error=<code>` (the operator's app explains
 * it); without one, the error itself answers (400 access_denied, 409 entity_already_connected…).
 */
function refuse(state: StatePayload, err: AppError, code = err.code): CallbackOutcome {
  if (state.return_url) return { kind: 'redirect', location: withQuery(state.return_url, 'error', code) };
  throw err;
}

function returnOf(state: StatePayload, query: CallbackQuery): Return {
  // Only an OAuth error code travels on; anything else the browser sent is not repeated.
  if (query.error !== undefined) return { kind: 'denied', error: /^[a-z_]{1,64}$/.test(query.error) ? query.error : 'access_denied' };
  if (state.purpose === 'account_link') return { kind: 'account_link', refresh: query.refresh !== undefined };
  if (!query.code) throw new BadRequest('The callback carries neither a code nor an error', undefined, 'missing_code');
  return { kind: 'oauth', code: query.code };
}

/**
 * Stripe answers a deauthorize for an account that is no longer connected with invalid_client
 * (or invalid_grant): already gone, which is what we wanted. (The same test as disconnect.ts.)
 */
function alreadyDisconnected(err: unknown): boolean {
  if (!(err instanceof Stripe.errors.StripeError)) return false;
  const code = err.code ?? (err.raw as { error?: string } | undefined)?.error;
  return err.type === 'StripeInvalidGrantError' || code === 'invalid_client' || code === 'invalid_grant' || /not connected/i.test(err.message);
}

/**
 * A link refused after the exchange must not leave the platform connected to an account no
 * entity holds, so it is deauthorized — unless another entity holds that account and it is not
 * deauthorized: the connection is one per platform and account, and revoking it would cut that
 * entity off. https://docs.stripe.com/connect/oauth-reference#post-deauthorize
 */
async function releaseRefusedLink(ctx: AppContext, state: StatePayload, accountId: string): Promise<void> {
  const log = { entity_id: state.entity, account: accountId };
  const holder = await findAccountByStripeId(ctx.pool, accountId);
  if (holder && holder.status !== 'deauthorized') {
    ctx.logger.warn({ ...log, holder_entity_id: holder.entity_id }, 'refused OAuth link left connected: another entity holds the account');
    return;
  }
  try {
    await ctx.stripe.oauth.deauthorize({ client_id: ctx.config.stripe.clientId, stripe_user_id: accountId });
    ctx.logger.info(log, 'refused OAuth link deauthorized');
  } catch (err) {
    if (alreadyDisconnected(err)) return;
    // Type, code and request id only: the error object carries the request it came from.
    const e = err instanceof Stripe.errors.StripeError ? { type: err.type, code: err.code, request_id: err.requestId } : { type: (err as Error).name };
    ctx.logger.error({ ...log, err: e }, 'could not deauthorize a refused OAuth link');
  }
}

/** The short write after the exchange: the entity's row locked for its previous status, then the link. */
async function storeConnection(ctx: AppContext, state: StatePayload, accountId: string, tokens: OAuthTokens, snapshot: AccountSnapshot): Promise<AccountStatus> {
  const sealed = await sealTokens(ctx.config, tokens);
  return withTransaction(ctx.pool, async (tx) => {
    const previous = await findAccountByEntity(tx, state.tenant, state.entity, true);
    const status = deriveStatus(snapshot, { previous: previous?.status ?? null, visited: true, reconnect: true });
    await storeOAuthLink(tx, ctx.config, { tenantId: state.tenant, entityId: state.entity, accountId, tokens, snapshot, status }, sealed);
    return status;
  });
}

/** The operator approved: exchange the code and fetch the account (no connection held), then store the link. */
async function completeOAuth(ctx: AppContext, state: StatePayload, code: string): Promise<CallbackOutcome> {
  const token = await ctx.stripe.oauth.token({ grant_type: 'authorization_code', code });
  const accountId = token.stripe_user_id;
  if (!accountId || !token.access_token) throw new BadRequest('Stripe returned no connected account for this code', undefined, 'oauth_failed');
  const snapshot = snapshotOf(await fetchAccount(ctx.stripe, accountId), token.livemode === true);
  const tokens: OAuthTokens = { accessToken: token.access_token, refreshToken: token.refresh_token ?? null, scope: token.scope ?? null, livemode: snapshot.livemode };
  let status: AccountStatus;
  try {
    status = await storeConnection(ctx, state, accountId, tokens, snapshot);
  } catch (err) {
    if (!(err instanceof Conflict)) throw err;
    await releaseRefusedLink(ctx, state, accountId);
    return refuse(state, err);
  }
  ctx.logger.info({ entity_id: state.entity, account: accountId, status }, 'account connected by OAuth');
  return finish(state, status, accountId);
}

/** The short write after an Account Link return: the row locked only to derive and save its status. */
async function saveReturnedSnapshot(ctx: AppContext, state: StatePayload, accountId: string, snapshot: AccountSnapshot): Promise<AccountStatus> {
  return withTransaction(ctx.pool, async (tx) => {
    const row = await findAccountByEntity(tx, state.tenant, state.entity, true);
    if (row?.stripe_account_id !== accountId) throw new Conflict('The entity was linked to another account meanwhile', undefined, 'account_changed');
    snapshot.livemode = row.livemode;
    const status = deriveStatus(snapshot, { previous: row.status, visited: true });
    await saveSnapshot(tx, row.id, snapshot, status, null);
    return status;
  });
}

/** Back from an Account Link: record the account's state, or (refresh) send the operator to a fresh link. */
async function completeAccountLink(ctx: AppContext, state: StatePayload, refresh: boolean): Promise<CallbackOutcome> {
  const row = await findAccountByEntity(ctx.pool, state.tenant, state.entity);
  if (!row?.stripe_account_id) throw new NotFound('No Stripe account is being onboarded for this entity');
  const accountId = row.stripe_account_id;
  if (refresh) {
    // A new state row (one autocommitted insert), then the Stripe call with no connection held.
    const link = await mintAccountLink(ctx.pool, ctx, { tenantId: state.tenant, entityId: state.entity, accountId, returnUrl: state.return_url ?? null });
    return { kind: 'redirect', location: link.url };
  }
  // Its livemode is the stored row's, set in saveReturnedSnapshot.
  const snapshot = snapshotOf(await fetchAccount(ctx.stripe, accountId), false);
  const status = await saveReturnedSnapshot(ctx, state, accountId, snapshot);
  ctx.logger.info({ entity_id: state.entity, account: accountId, status }, 'account onboarding return');
  return finish(state, status, accountId);
}

/**
 * GET /onboard/callback. The state is verified (signature, expiry), then spent in one short
 * statement of its own: exactly one caller gets past it, every other one is refused at once
 * instead of queueing on a lock, and no connection is held across the Stripe calls that follow.
 * A spent state stays spent even if the exchange then fails; the operator starts again at /onboard.
 */
export async function handleCallback(ctx: AppContext, query: CallbackQuery): Promise<CallbackOutcome> {
  const state = verifyState(ctx.config.stateSecret, query.state);
  const back = returnOf(state, query);
  await spendState(ctx.pool, state);
  if (back.kind === 'denied') {
    return refuse(state, new BadRequest('The operator did not authorize the connection', { error: back.error }, 'access_denied'), back.error);
  }
  if (back.kind === 'account_link') return completeAccountLink(ctx, state, back.refresh);
  return completeOAuth(ctx, state, back.code);
}
