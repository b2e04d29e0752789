import { describe, expect, it } from 'vitest';
import { answerFromGrants, answerValidUntil, grantsNeedingRefresh } from '../../src/entitlements/answer.js';
import type { GrantRow } from '../../src/entitlements/grant-reads.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const at = (offsetSeconds: number) => new Date(NOW + offsetSeconds * 1000);

function grant(over: Partial<GrantRow>): GrantRow {
  return {
    id: 'g',
    tenant_id: 't',
    entity_id: 'e',
    capability: 'c',
    source_type: 'subscription',
    source_id: 'sub_1',
    status: 'active',
    allowed: true,
    quantity: 1,
    current_period_end: null,
    payment_failed: false,
    stripe_account_id: 'acct_1',
    stripe_customer_id: 'cus_1',
    note: null,
    expires_at: null,
    cached_at: at(-60),
    last_event_created: null,
    revoked_at: null,
    account_deauthorized: false,
    created_at: at(-600),
    updated_at: at(-60),
    ...over,
  };
}

describe('answerFromGrants', () => {
  it('names the strongest status among allowing grants and the oldest cached_at among them', () => {
    const answer = answerFromGrants(
      [
        grant({ source_type: 'manual', source_id: 'manual', status: 'manual', cached_at: at(-10) }),
        grant({ status: 'trialing', cached_at: at(-30), current_period_end: at(3600) }),
        grant({ status: 'past_due', allowed: false, cached_at: at(-9999) }),
      ],
      NOW,
    );
    expect(answer).toEqual({ allowed: true, status: 'trialing', quantity: 2, cached_at: at(-30).toISOString(), period_end: at(3600).toISOString() });
  });

  it('ignores a revoked grant for allowing but lets the most recent grant name the status', () => {
    const answer = answerFromGrants(
      [grant({ status: 'canceled', allowed: true, revoked_at: at(-5), updated_at: at(-5) }), grant({ status: 'past_due', allowed: false, updated_at: at(-50) })],
      NOW,
    );
    expect(answer).toMatchObject({ allowed: false, status: 'canceled', quantity: 0 });
  });
});

describe('grantsNeedingRefresh', () => {
  it('picks only live subscription grants older than the TTL', () => {
    const rows = [
      grant({ source_id: 'sub_old', cached_at: at(-4000) }),
      grant({ source_id: 'sub_fresh', cached_at: at(-10) }),
      grant({ source_id: 'sub_canceled', status: 'canceled', allowed: false, cached_at: at(-4000) }),
      grant({ source_id: 'sub_revoked', revoked_at: at(-100), cached_at: at(-4000) }),
      grant({ source_type: 'payment', source_id: 'pi_1', status: 'paid', cached_at: at(-99999) }),
      grant({ source_type: 'manual', source_id: 'manual', status: 'manual', cached_at: at(-99999) }),
    ];
    expect(grantsNeedingRefresh(rows, 3600, NOW).map((r) => r.source_id)).toEqual(['sub_old']);
    expect(grantsNeedingRefresh(rows, 0, NOW).map((r) => r.source_id)).toEqual(['sub_old', 'sub_fresh']);
  });
});

describe('answerValidUntil', () => {
  it('is the first TTL deadline or manual expiry ahead, or null', () => {
    expect(answerValidUntil([grant({ cached_at: at(-60) })], 3600, NOW)).toBe(at(3540).getTime());
    expect(answerValidUntil([grant({ source_type: 'manual', status: 'manual', expires_at: at(100) }), grant({ cached_at: at(0) })], 3600, NOW)).toBe(
      at(100).getTime(),
    );
    expect(answerValidUntil([grant({ source_type: 'payment', status: 'paid' })], 3600, NOW)).toBeNull();
  });
});
