import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapStripeError } from '../../src/stripe/errors.js';
import { MalformedStripeObject } from '../../src/stripe/objects/read.js';
import { operator, postCheckout, recurringPrice, startWorld, type World } from '../entitlements/fixtures.js';

describe('a connected account that no longer grants access (403 account_invalid)', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => w.close());

  it('answers 409 stripe_account_invalid naming the account, never the platform credentials or the key', async () => {
    const account = await operator(w, 'gone-shop');
    const price = (await recurringPrice(w, account)).id;
    // Deleted at Stripe with no webhook reaching us: our row still says active.
    await w.stripe.accounts.del(account);

    const res = await postCheckout(w, { entity_id: 'gone-shop', price_id: price, capabilities: ['pro'] });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      error: {
        code: 'stripe_account_invalid',
        message: `Stripe refused access to connected account ${account}: it is no longer connected to this platform`,
        details: { account_id: account, stripe_code: 'account_invalid', stripe_status: 403, stripe_request_id: expect.stringMatching(/^req_/) },
      },
    });
    expect(res.body).not.toContain('platform credentials');
    // Stripe's own message quotes the (masked) secret key.
    expect(res.body).not.toMatch(/sk_test|sk_live|\*\*\*\*/);
  });
});

describe('mapStripeError for account_invalid', () => {
  const raw = (headers: Record<string, string>) =>
    new Stripe.errors.StripePermissionError({
      type: 'invalid_request_error',
      code: 'account_invalid',
      message: "The provided key 'sk_live_****Zx9q' does not have access to account 'acct_1FromMessage' (or that account does not exist). Application access may have been revoked.",
      statusCode: 403,
      requestId: 'req_123',
      headers,
    });

  it('takes the account from the Stripe-Account header Stripe echoes, else from the message, and copies nothing else', () => {
    const fromHeader = mapStripeError(raw({ 'stripe-account': 'acct_1FromHeader', 'request-id': 'req_123' }));
    expect(fromHeader).toMatchObject({ statusCode: 409, code: 'stripe_account_invalid', details: { account_id: 'acct_1FromHeader' } });
    expect(fromHeader!.message).toBe('Stripe refused access to connected account acct_1FromHeader: it is no longer connected to this platform');

    const fromMessage = mapStripeError(raw({ 'stripe-account': 'not an id' }));
    expect(fromMessage).toMatchObject({ statusCode: 409, details: { account_id: 'acct_1FromMessage' } });
    expect(JSON.stringify({ m: fromMessage!.message, d: fromMessage!.details })).not.toMatch(/sk_live|Zx9q/);
  });

  it('keeps other permission errors as a refusal of the platform credentials', () => {
    const other = new Stripe.errors.StripePermissionError({ type: 'invalid_request_error', message: 'The provided key does not have the required permissions', statusCode: 403 });
    expect(mapStripeError(other)).toMatchObject({ statusCode: 502, code: 'stripe_auth_error', message: 'Stripe refused the platform credentials' });
  });
});

describe('mapStripeError for an object Stripe answered in a shape we cannot read', () => {
  it('is an upstream 502 whose message names the field', () => {
    const err = new MalformedStripeObject('account acct_1 as fetched from Stripe', 'charges_enabled', 'expected boolean, received string');
    expect(mapStripeError(err)).toMatchObject({
      statusCode: 502,
      code: 'stripe_unexpected_object',
      message: 'account acct_1 as fetched from Stripe: charges_enabled: expected boolean, received string',
      details: { field: 'charges_enabled' },
    });
  });
});
