import type { Account } from '../stripe/objects/account.js';

export type AccountStatus = 'pending' | 'onboarding' | 'restricted' | 'active' | 'deauthorized';

/** What we keep of a Stripe account: the fields our status and the /account view come from. */
export type AccountSnapshot = Omit<Account, 'id' | 'metadata'> & { livemode: boolean };

/**
 * What we keep of an account (read through src/stripe/objects/account.ts). The Account object has
 * no livemode field: callers take it from the event, the OAuth token, the key or the stored row.
 */
export function snapshotOf(account: Account, livemode: boolean): AccountSnapshot {
  return {
    detailsSubmitted: account.detailsSubmitted,
    chargesEnabled: account.chargesEnabled,
    payoutsEnabled: account.payoutsEnabled,
    requirementsDue: account.requirementsDue,
    disabledReason: account.disabledReason,
    requirementsDeadline: account.requirementsDeadline,
    livemode,
    email: account.email,
    country: account.country,
  };
}

export interface StatusContext {
  /** The status stored before this update, null for a new row. */
  previous: AccountStatus | null;
  /** The operator has been through Stripe's pages (a callback or a Stripe event says so). */
  visited: boolean;
  /** An OAuth re-connection lifts a previous deauthorization. */
  reconnect?: boolean;
}

/**
 * Status from Stripe's flags. Deauthorized is sticky: only a new connection lifts it, never
 * a late account.updated. A fresh account nobody has opened is pending; once Stripe's pages
 * were visited it is onboarding until details are submitted; submitted but not (fully)
 * enabled, or disabled by Stripe, it is restricted.
 */
export function deriveStatus(s: AccountSnapshot, ctx: StatusContext): AccountStatus {
  if (ctx.previous === 'deauthorized' && ctx.reconnect !== true) return 'deauthorized';
  if (s.chargesEnabled && s.payoutsEnabled && s.disabledReason === null) return 'active';
  if (s.detailsSubmitted) return 'restricted';
  const started = ctx.visited || (ctx.previous !== null && ctx.previous !== 'pending' && ctx.previous !== 'deauthorized');
  return started ? 'onboarding' : 'pending';
}
