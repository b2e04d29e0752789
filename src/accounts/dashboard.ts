import type { StripeMode } from '../config.js';

/** Deep link into the platform's Stripe Dashboard for a connected account (test data lives under /test). */
export function dashboardUrl(mode: StripeMode, accountId: string | null): string | null {
  if (accountId === null) return null;
  const prefix = mode === 'test' ? '/test' : '';
  return `https://dashboard.stripe.com${prefix}/connect/accounts/${encodeURIComponent(accountId)}`;
}
