import Stripe from 'stripe';
import { AppError } from '../http/errors.js';
import { MalformedStripeObject } from './objects/read.js';

/** A failed Stripe call, carrying Stripe's request id so operators can find it in the Dashboard. */
export class StripeUpstream extends AppError {
  constructor(status: number, code: string, message: string, details: Record<string, unknown>) {
    super(status, code, message, details);
  }
}

function detailsOf(err: Stripe.errors.StripeError): Record<string, unknown> {
  const details: Record<string, unknown> = { stripe_request_id: err.requestId ?? null };
  if (err.code) details.stripe_code = err.code;
  if (err.param) details.param = err.param;
  if (err.statusCode) details.stripe_status = err.statusCode;
  return details;
}

const ACCOUNT_ID = /^acct_[A-Za-z0-9]+$/;

/**
 * The connected account an `account_invalid` refusal is about. Stripe's message also quotes
 * our (masked) secret key, so it is never copied: only an `acct_…` id is taken, from the
 * Stripe-Account response header the SDK keeps on the error, else from the message.
 */
function refusedAccountOf(err: Stripe.errors.StripeError): string | null {
  const header = (err.headers as Record<string, unknown> | undefined)?.['stripe-account'];
  if (typeof header === 'string' && ACCOUNT_ID.test(header)) return header;
  return /\bacct_[A-Za-z0-9]+/.exec(err.message ?? '')?.[0] ?? null;
}

function accountInvalid(err: Stripe.errors.StripeError, details: Record<string, unknown>): StripeUpstream {
  const account = refusedAccountOf(err);
  return new StripeUpstream(
    409,
    'stripe_account_invalid',
    `Stripe refused access to connected account${account ? ` ${account}` : ''}: it is no longer connected to this platform`,
    { ...details, account_id: account },
  );
}

/**
 * Maps a Stripe SDK error to our error shape: Stripe's 4xx meanings about the request
 * (a missing price, a bad parameter) stay 400; credentials, rate limits, Stripe outages
 * and network failures are upstream problems (502), and a timeout is 504. A connected account
 * that no longer grants us access (deauthorized, deleted) is a conflict with our records (409).
 */
export function mapStripeError(err: unknown): AppError | null {
  // Stripe answered, in a shape none of the API versions we read has: an upstream problem, field named.
  if (err instanceof MalformedStripeObject) return new StripeUpstream(502, 'stripe_unexpected_object', err.message, { field: err.field });
  if (!(err instanceof Stripe.errors.StripeError)) return null;
  const details = detailsOf(err);
  if (err instanceof Stripe.errors.StripeConnectionError) {
    const timedOut = /timeout/i.test(err.message);
    return new StripeUpstream(
      timedOut ? 504 : 502,
      timedOut ? 'stripe_timeout' : 'stripe_unreachable',
      timedOut ? 'Stripe did not answer in time' : 'Stripe could not be reached',
      details,
    );
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError || err instanceof Stripe.errors.StripeCardError) {
    return new StripeUpstream(400, 'stripe_invalid_request', err.message, details);
  }
  if (err instanceof Stripe.errors.StripeIdempotencyError) {
    return new StripeUpstream(409, 'stripe_idempotency_error', err.message, details);
  }
  if (err instanceof Stripe.errors.StripeInvalidGrantError) {
    return new StripeUpstream(400, 'invalid_grant', err.message, details);
  }
  // https://docs.stripe.com/error-codes/account-invalid: a 403 about the Stripe-Account, not our key.
  if (err instanceof Stripe.errors.StripePermissionError && err.code === 'account_invalid') return accountInvalid(err, details);
  if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError) {
    // Our own credentials were refused: not the caller's fault, and the message may name the key.
    return new StripeUpstream(502, 'stripe_auth_error', 'Stripe refused the platform credentials', details);
  }
  if (err instanceof Stripe.errors.StripeRateLimitError) {
    return new StripeUpstream(502, 'stripe_rate_limited', 'Stripe is rate limiting requests; retry later', details);
  }
  return new StripeUpstream(502, 'stripe_error', 'Stripe returned an error', details);
}
