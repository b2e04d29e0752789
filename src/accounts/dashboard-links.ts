import type { Config } from '../config.js';

/**
 * Deep links into the Stripe Dashboard (test data lives under /test). With STRIPE_API_BASE set
 * every Stripe URL handed to a browser points at that server instead, as the OAuth authorize URL
 * does: the simulator serves stand-in pages on the same paths.
 */
function dashboardOrigin(config: Config): string {
  return config.stripe.apiBase?.replace(/\/+$/, '') ?? 'https://dashboard.stripe.com';
}

const mode = (config: Config): string => (config.stripe.mode === 'test' ? '/test' : '');
const seg = encodeURIComponent;

export function accountDashboardUrl(config: Config, accountId: string | null): string | null {
  if (accountId === null) return null;
  return `${dashboardOrigin(config)}${mode(config)}/connect/accounts/${seg(accountId)}`;
}

/** An object that lives on a connected account, viewed as that account (`/acct_…/test/subscriptions/sub_…`). */
export function connectedObjectDashboardUrl(
  config: Config,
  accountId: string | null,
  kind: 'subscriptions' | 'payments',
  objectId: string,
): string {
  const scope = accountId === null ? '' : `/${seg(accountId)}`;
  return `${dashboardOrigin(config)}${scope}${mode(config)}/${kind}/${seg(objectId)}`;
}
