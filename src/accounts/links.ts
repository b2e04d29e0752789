import type { AppContext } from '../context.js';
import type { Queryable } from '../db/pool.js';
import { oauthAuthorizeBase } from '../stripe/client.js';
import { issueState } from './state.js';

// Our state outlives Stripe's link: an operator may spend a while in onboarding before returning.
const ACCOUNT_LINK_STATE_TTL_S = 24 * 3600;
const OAUTH_STATE_TTL_S = 3600;
// Login links carry no expiry in the API; Stripe documents them as short-lived and single use.
const LOGIN_LINK_TTL_S = 300;

export interface OnboardingUrl {
  url: string;
  expiresAt: Date;
}

export function callbackUrl(ctx: AppContext): string {
  return `${ctx.config.cloudBaseUrl}/onboard/callback`;
}

/** An account_onboarding link whose return and refresh both come back to our callback with one signed state. */
export async function mintAccountLink(
  q: Queryable,
  ctx: AppContext,
  target: { tenantId: string; entityId: string; accountId: string; returnUrl: string | null },
): Promise<OnboardingUrl> {
  const state = await issueState(q, ctx.config.stateSecret, {
    tenantId: target.tenantId,
    entityId: target.entityId,
    purpose: 'account_link',
    returnUrl: target.returnUrl,
    ttlSeconds: ACCOUNT_LINK_STATE_TTL_S,
  });
  const back = `${callbackUrl(ctx)}?state=${encodeURIComponent(state.token)}`;
  const link = await ctx.stripe.accountLinks.create({
    account: target.accountId,
    type: 'account_onboarding',
    return_url: back,
    refresh_url: `${back}&refresh=1`,
  });
  return { url: link.url, expiresAt: new Date(link.expires_at * 1000) };
}

/** The Express OAuth authorize URL (on STRIPE_API_BASE when set), bound to tenant and entity by its state. */
export async function oauthAuthorizeUrl(
  q: Queryable,
  ctx: AppContext,
  target: { tenantId: string; entityId: string; email: string | null; returnUrl: string | null },
): Promise<OnboardingUrl> {
  const state = await issueState(q, ctx.config.stateSecret, {
    tenantId: target.tenantId,
    entityId: target.entityId,
    purpose: 'oauth',
    returnUrl: target.returnUrl,
    ttlSeconds: OAUTH_STATE_TTL_S,
  });
  const url = new URL(`${oauthAuthorizeBase(ctx.config)}/express/oauth/authorize`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', ctx.config.stripe.clientId);
  url.searchParams.set('scope', 'read_write');
  url.searchParams.set('redirect_uri', callbackUrl(ctx));
  url.searchParams.set('state', state.token);
  if (target.email) url.searchParams.set('stripe_user[email]', target.email);
  return { url: url.toString(), expiresAt: state.expiresAt };
}

/** An onboarded operator goes to its Express dashboard instead of onboarding again. */
export async function expressLoginLink(ctx: AppContext, accountId: string): Promise<OnboardingUrl> {
  const link = await ctx.stripe.accounts.createLoginLink(accountId);
  return { url: link.url, expiresAt: new Date((link.created + LOGIN_LINK_TTL_S) * 1000) };
}
