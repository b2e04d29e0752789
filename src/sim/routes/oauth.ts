import type { ApiDeps } from '../api.js';
import { route } from '../api.js';
import { oauthError } from '../errors.js';
import { deauthorizeAccount } from '../flows/accounts.js';
import { randomChars } from '../ids.js';
import { optStr } from '../params.js';
import { reachableAccount } from '../pipeline.js';

/** connect.stripe.com's token and deauthorize endpoints (OAuth error shape, key or client_secret). */
export function registerOAuthApi(deps: ApiDeps): void {
  route(deps, 'POST', '/oauth/token', (ctx) => {
    const grantType = optStr(ctx.params, 'grant_type');
    if (grantType === undefined) throw oauthError(400, 'invalid_request', 'No grant type specified');
    if (grantType === 'refresh_token') {
      const token = optStr(ctx.params, 'refresh_token') ?? '';
      const account = ctx.sim.state.refreshTokens.get(token);
      if (account === undefined || !reachableAccount(ctx.sim, account)) throw oauthError(400, 'invalid_grant', `Invalid refresh token: ${token}`);
      const accessToken = `sk_test_${randomChars(99)}`;
      ctx.sim.state.accessTokens.set(accessToken, account);
      return { access_token: accessToken, refresh_token: token, token_type: 'bearer', stripe_publishable_key: `pk_test_${randomChars(99)}`, stripe_user_id: account, scope: 'read_write', livemode: false };
    }
    if (grantType !== 'authorization_code') throw oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
    const code = optStr(ctx.params, 'code');
    if (code === undefined || code === '') throw oauthError(400, 'invalid_request', 'No authorization code provided');
    const record = ctx.sim.state.oauthCodes.get(code);
    if (record === undefined) throw oauthError(400, 'invalid_grant', `Authorization code does not exist: ${code}`);
    if (record.used) throw oauthError(400, 'invalid_grant', 'This authorization code has already been used. All tokens issued with this code have been revoked.');
    if (record.expiresAt < Math.floor(Date.now() / 1000)) throw oauthError(400, 'invalid_grant', `Authorization code expired: ${code}`);
    record.used = true;
    const accessToken = `sk_test_${randomChars(99)}`;
    const refreshToken = `rt_${randomChars(60)}`;
    ctx.sim.state.accessTokens.set(accessToken, record.account);
    ctx.sim.state.refreshTokens.set(refreshToken, record.account);
    return {
      access_token: accessToken,
      livemode: false,
      refresh_token: refreshToken,
      scope: record.scope,
      stripe_publishable_key: `pk_test_${randomChars(99)}`,
      stripe_user_id: record.account,
      token_type: 'bearer',
    };
  }, { oauth: true });

  route(deps, 'POST', '/oauth/deauthorize', (ctx) => {
    const clientId = optStr(ctx.params, 'client_id');
    if (clientId === undefined || clientId === '') throw oauthError(400, 'invalid_request', 'No client_id provided');
    if (clientId !== ctx.sim.config.clientId) throw oauthError(400, 'invalid_client', `No such application: '${clientId}'`);
    const account = optStr(ctx.params, 'stripe_user_id');
    if (account === undefined || account === '') throw oauthError(400, 'invalid_request', 'No stripe_user_id provided');
    if (!reachableAccount(ctx.sim, account)) {
      throw oauthError(400, 'invalid_client', `This application is not connected to stripe account ${account}, or that account does not exist.`);
    }
    void ctx.sim.dispatch(deauthorizeAccount(ctx.sim, account));
    return { stripe_user_id: account };
  }, { oauth: true });
}
