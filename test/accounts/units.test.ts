import { describe, expect, it } from 'vitest';
import { dashboardUrl } from '../../src/accounts/dashboard.js';
import { accountIdempotencyKey } from '../../src/accounts/onboard.js';
import { signState, verifyState, type StatePayload } from '../../src/accounts/state.js';
import { deriveStatus, snapshotOf, type AccountSnapshot } from '../../src/accounts/status.js';
import { withQuery } from '../../src/accounts/callback.js';
import { readAccount } from '../../src/stripe/objects/account.js';

const payload = (exp: number): StatePayload => ({ nonce: 'n'.repeat(32), tenant: 't', entity: 'e', purpose: 'oauth', exp });
const snap = (s: Partial<AccountSnapshot>): AccountSnapshot => ({
  detailsSubmitted: false,
  chargesEnabled: false,
  payoutsEnabled: false,
  requirementsDue: [],
  disabledReason: null,
  requirementsDeadline: null,
  livemode: false,
  email: null,
  country: null,
  ...s,
});

describe('onboarding state', () => {
  it('round-trips a signed payload', () => {
    const p = payload(Math.floor(Date.now() / 1000) + 60);
    expect(verifyState('k', signState('k', p))).toEqual(p);
  });
  it('refuses another key, a changed payload, an expired one and junk', () => {
    const p = payload(Math.floor(Date.now() / 1000) + 60);
    const token = signState('k', p);
    expect(() => verifyState('other', token)).toThrow(/not signed/);
    const [, sig] = token.split('.');
    const changed = `${Buffer.from(JSON.stringify({ ...p, entity: 'x' })).toString('base64url')}.${sig}`;
    expect(() => verifyState('k', changed)).toThrow(/not signed/);
    expect(() => verifyState('k', signState('k', payload(Math.floor(Date.now() / 1000) - 1)))).toThrow(/expired/);
    expect(() => verifyState('k', 'a.b.c')).toThrow(/malformed/);
  });
});

describe('account status', () => {
  it('is active only when charges and payouts are enabled and Stripe disabled nothing', () => {
    expect(deriveStatus(snap({ chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true }), { previous: 'onboarding', visited: true })).toBe('active');
    expect(
      deriveStatus(snap({ chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true, disabledReason: 'requirements.past_due' }), { previous: 'active', visited: true }),
    ).toBe('restricted');
  });
  it('is restricted when details are in but not everything is enabled', () => {
    expect(deriveStatus(snap({ detailsSubmitted: true, chargesEnabled: true }), { previous: 'onboarding', visited: true })).toBe('restricted');
  });
  it('is pending until the operator has visited, then onboarding', () => {
    expect(deriveStatus(snap({}), { previous: null, visited: false })).toBe('pending');
    expect(deriveStatus(snap({}), { previous: 'pending', visited: true })).toBe('onboarding');
  });
  it('keeps deauthorized unless reconnected', () => {
    const active = snap({ chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true });
    expect(deriveStatus(active, { previous: 'deauthorized', visited: true })).toBe('deauthorized');
    expect(deriveStatus(active, { previous: 'deauthorized', visited: true, reconnect: true })).toBe('active');
  });
  it('reads requirements due as currently_due ∪ past_due', () => {
    const account = readAccount({ id: 'acct_1', object: 'account', requirements: { currently_due: ['b', 'a'], past_due: ['a', 'c'], disabled_reason: null } }, 'test');
    expect(snapshotOf(account, false).requirementsDue).toEqual(['a', 'b', 'c']);
  });
});

describe('small pieces', () => {
  it('dashboard links use /test only in test mode', () => {
    expect(dashboardUrl('test', 'acct_1')).toBe('https://dashboard.stripe.com/test/connect/accounts/acct_1');
    expect(dashboardUrl('live', 'acct_1')).toBe('https://dashboard.stripe.com/connect/accounts/acct_1');
    expect(dashboardUrl('live', null)).toBeNull();
  });
  it('the account idempotency key is deterministic, per entity and tenant, and within Stripe’s 255 characters', () => {
    const long = 'e'.repeat(255);
    expect(accountIdempotencyKey('t', long, '0')).toBe(accountIdempotencyKey('t', long, '0'));
    expect(accountIdempotencyKey('t', 'a', '0')).not.toBe(accountIdempotencyKey('u', 'a', '0'));
    expect(accountIdempotencyKey('t', 'a', '0')).not.toBe(accountIdempotencyKey('t', 'a', '1'));
    expect(accountIdempotencyKey('t', long, '0').length).toBeLessThanOrEqual(255);
  });
  it('adds a query parameter to a URL that already has one', () => {
    expect(withQuery('https://x.example/p?a=1#frag', 'status', 'active')).toBe('https://x.example/p?a=1&status=active#frag');
  });
});
