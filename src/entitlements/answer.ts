import type { GrantRow } from './grant-reads.js';

/** What `GET /entitlement/:entity_id/:capability` and `billing.can` answer. */
export interface EntitlementAnswer {
  allowed: boolean;
  /** 'active', 'trialing', 'manual', … when allowed; 'past_due', 'canceled', … or 'none' when not. */
  status: string;
  /** Subscribed quantity summed over the allowing grants (seats, licences); absent when there is no grant. */
  quantity?: number;
  /** When the answer was last confirmed by Stripe (ISO), null when there is no grant. */
  cached_at: string | null;
  period_end?: string;
  /** Present (true) only when Stripe could not re-confirm a grant older than the TTL. */
  stale?: boolean;
}

export const NO_GRANT: EntitlementAnswer = Object.freeze({ allowed: false, status: 'none', cached_at: null });

// When several grants allow, the answer names the strongest reason.
const STATUS_RANK = ['active', 'trialing', 'manual', 'paid'];
const rank = (status: string): number => {
  const i = STATUS_RANK.indexOf(status);
  return i === -1 ? STATUS_RANK.length : i;
};

export function manualGrantExpired(row: GrantRow, now: number): boolean {
  return row.source_type === 'manual' && row.expires_at !== null && row.expires_at.getTime() <= now;
}

/** A grant allows when its state says so, it was not revoked, its account did not disconnect, and (manual) it has not expired. */
export function grantAllows(row: GrantRow, now: number): boolean {
  return row.allowed && row.revoked_at === null && !row.account_deauthorized && !manualGrantExpired(row, now);
}

function deniedStatus(row: GrantRow, now: number): string {
  if (row.account_deauthorized) return 'account_deauthorized';
  return manualGrantExpired(row, now) ? 'expired' : row.status;
}

const oldest = (dates: Date[]): Date => new Date(Math.min(...dates.map((d) => d.getTime())));

function mostRecent(rows: GrantRow[]): GrantRow {
  return rows.reduce((a, b) => (b.updated_at.getTime() > a.updated_at.getTime() ? b : a));
}

/** Folds the grants of one key into the answer: any allowing grant allows, quantities add up. */
export function answerFromGrants(rows: GrantRow[], now = Date.now()): EntitlementAnswer {
  if (rows.length === 0) return { ...NO_GRANT };
  const allowing = rows.filter((r) => grantAllows(r, now));
  if (allowing.length === 0) {
    const latest = mostRecent(rows);
    return {
      allowed: false,
      status: deniedStatus(latest, now),
      quantity: 0,
      cached_at: oldest(rows.map((r) => r.cached_at)).toISOString(),
    };
  }
  const status = allowing.map((r) => r.status).sort((a, b) => rank(a) - rank(b))[0]!;
  const ends = allowing.map((r) => r.current_period_end).filter((d): d is Date => d !== null);
  const answer: EntitlementAnswer = {
    allowed: true,
    status,
    quantity: allowing.reduce((sum, r) => sum + r.quantity, 0),
    cached_at: oldest(allowing.map((r) => r.cached_at)).toISOString(),
  };
  if (ends.length > 0) answer.period_end = new Date(Math.max(...ends.map((d) => d.getTime()))).toISOString();
  return answer;
}

// Canceled subscriptions can never come back in Stripe: nothing to re-confirm.
const TERMINAL = new Set(['canceled', 'incomplete_expired']);

/** Subscription grants whose state is older than the TTL (0 = always re-confirm). */
export function grantsNeedingRefresh(rows: GrantRow[], ttlSeconds: number, now = Date.now()): GrantRow[] {
  return rows.filter(
    (r) =>
      r.source_type === 'subscription' &&
      r.revoked_at === null &&
      !r.account_deauthorized &&
      !TERMINAL.has(r.status) &&
      now - r.cached_at.getTime() >= ttlSeconds * 1000,
  );
}

/**
 * Until when an answer built from these rows stays right without re-reading anything but
 * change notifications: the first TTL deadline of a refreshable grant or the first manual
 * expiry still ahead. Null = no deadline (for an in-process cache in front of the table).
 */
export function answerValidUntil(rows: GrantRow[], ttlSeconds: number, now = Date.now()): number | null {
  const deadlines: number[] = [];
  for (const r of rows) {
    if (r.source_type === 'subscription' && r.revoked_at === null && !r.account_deauthorized && !TERMINAL.has(r.status)) {
      deadlines.push(r.cached_at.getTime() + ttlSeconds * 1000);
    }
    if (r.source_type === 'manual' && r.revoked_at === null && r.expires_at !== null && r.expires_at.getTime() > now) {
      deadlines.push(r.expires_at.getTime());
    }
  }
  return deadlines.length > 0 ? Math.min(...deadlines) : null;
}
