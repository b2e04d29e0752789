import type { JsonObject } from './json.js';

/** A Stripe API error: thrown by handlers, rendered as `{error: {...}}` with its status. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly body: JsonObject,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : 'error');
  }
}

export function invalidRequest(message: string, extra: JsonObject = {}, status = 400): SimError {
  return new SimError(status, { type: 'invalid_request_error', message, ...extra });
}

export function missingParam(param: string): SimError {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

export function invalidParam(param: string, message: string): SimError {
  return invalidRequest(message, { code: 'parameter_invalid', param });
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
