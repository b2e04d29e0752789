import type { JsonObject } from './json.js';

/** A Stripe API error: thrown by handlers, rendered as `{error: {...}}` with its status. */
export class SimError extends Error {
  /**
   * Refused before the endpoint began its work (parameter validation). Stripe saves no
   * idempotent result for these, so a retry with the same key runs afresh.
   * https://docs.stripe.com/api/idempotent_requests
   */
  validation = false;

  constructor(
    readonly status: number,
    readonly body: JsonObject,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : 'error');
  }
}

/** A 400 from parameter validation (not saved under an idempotency key). */
export function validationError(message: string, extra: JsonObject = {}): SimError {
  const err = new SimError(400, { type: 'invalid_request_error', message, ...extra });
  err.validation = true;
  return err;
}

/** Stripe links each error code to its page: `parameter_unknown` → …/error-codes/parameter-unknown. */
export function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;
}

export function invalidRequest(message: string, extra: JsonObject = {}, status = 400): SimError {
  return new SimError(status, { type: 'invalid_request_error', message, ...extra });
}

export function missingParam(param: string): SimError {
  return validationError(`Missing required param: ${param}.`, { code: 'parameter_missing', doc_url: docUrl('parameter_missing'), param });
}

/** A value the endpoint refuses (Stripe sends no error code for most of these). */
export function invalidParam(param: string, message: string): SimError {
  return validationError(message, { param });
}

/** Stripe names the resource by its human name: "No such checkout.session: 'cs_…'". */
export function noSuch(resource: string, id: string, param = 'id', status = 404): SimError {
  return invalidRequest(`No such ${resource}: '${id}'`, { code: 'resource_missing', param }, status);
}

export function maskKey(key: string): string {
  const match = /^((?:sk|rk|pk)_(?:test|live)_)/.exec(key);
  const prefix = match?.[1] ?? '';
  return `${prefix}****${key.slice(-4)}`;
}

export function invalidApiKey(key: string | null): SimError {
  const message =
    key === null || key === ''
      ? "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
      : `Invalid API Key provided: ${maskKey(key)}`;
  return new SimError(401, { type: 'invalid_request_error', message }, {
    'www-authenticate': 'Basic realm="Stripe"',
  });
}

/** What Stripe answers when a Stripe-Account header names an account the key cannot reach. */
export function accountInvalid(key: string, account: string): SimError {
  return new SimError(403, {
    type: 'invalid_request_error',
    code: 'account_invalid',
    message: `The provided key '${maskKey(key)}' does not have access to account '${account}' (or that account does not exist). Application access may have been revoked.`,
    doc_url: 'https://stripe.com/docs/error-codes/account-invalid',
  });
}

export function oauthError(status: number, error: string, description: string): SimError {
  return new SimError(status, { error, error_description: description });
}
