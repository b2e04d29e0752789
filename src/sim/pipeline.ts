import type { FastifyReply, FastifyRequest } from 'fastify';
import { accountInvalid, invalidApiKey, SimError } from './errors.js';
import type { FormObject, FormValue } from './form.js';
import { newId } from './ids.js';
import { isObject, type JsonObject } from './json.js';
import type { RequestInfo, Sim } from './sim.js';
import type { FaultRule } from './state.js';
import { DEFAULT_API_VERSION, requireModelled, type Shape } from './versions.js';

function isFormValue(value: unknown): value is FormValue {
  if (typeof value === 'string') return true;
  if (Array.isArray(value)) return value.every(isFormValue);
  return isObject(value) && Object.values(value).every(isFormValue);
}

/** A parsed form body or query (anything else, e.g. a JSON body, reads as empty). */
export function formOf(value: unknown): FormObject {
  if (!isObject(value)) return {};
  const out: FormObject = {};
  for (const [k, v] of Object.entries(value)) if (isFormValue(v)) out[k] = v;
  return out;
}

function header(req: FastifyRequest, name: string): string | null {
  const v = req.headers[name];
  if (Array.isArray(v)) return v[0] ?? null;
  return v ?? null;
}

/** The key from `Authorization: Bearer sk_…` or HTTP basic auth with the key as user name. */
export function apiKeyOf(req: FastifyRequest): string | null {
  const auth = header(req, 'authorization');
  if (auth === null) return null;
  const bearer = /^Bearer\s+(.+)$/i.exec(auth);
  if (bearer) return bearer[1]?.trim() ?? null;
  const basic = /^Basic\s+(.+)$/i.exec(auth);
  if (basic) return Buffer.from(basic[1] ?? '', 'base64').toString('utf8').split(':')[0] ?? null;
  return auth.trim();
}

const WELL_FORMED_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9_]{8,}$/;

export interface Caller {
  key: string;
  /** The account an OAuth access token acts as, else null (the platform). */
  tokenAccount: string | null;
}

export function authenticate(sim: Sim, key: string | null): Caller {
  if (key === null || key === '') throw invalidApiKey(key);
  const tokenAccount = sim.state.accessTokens.get(key);
  if (tokenAccount !== undefined) {
    if (sim.state.deauthorized.has(tokenAccount)) throw invalidApiKey(key);
    return { key, tokenAccount };
  }
  const keys = sim.config.secretKeys;
  const ok = keys.length > 0 ? keys.includes(key) : WELL_FORMED_KEY.test(key);
  if (!ok) throw invalidApiKey(key);
  return { key, tokenAccount: null };
}

/**
 * The request's API version: its `Stripe-Version`, or the account default (acacia), as long
 * as the simulator can answer in that version's shape. https://docs.stripe.com/api/versioning
 */
export function requestVersion(req: FastifyRequest): { version: string; shape: Shape } {
  const version = header(req, 'stripe-version') ?? DEFAULT_API_VERSION;
  return { version, shape: requireModelled(version) };
}

/** A usable connected account: created under this platform (or connected by OAuth) and not disconnected. */
export function reachableAccount(sim: Sim, id: string): boolean {
  const stored = sim.state.find(id, 'account');
  return stored !== undefined && stored.owner === null && !sim.state.deauthorized.has(id);
}

export function accountContext(sim: Sim, req: FastifyRequest, caller: Caller): string | null {
  const header_ = header(req, 'stripe-account');
  const account = header_ ?? caller.tokenAccount;
  if (account === null) return null;
  if (!reachableAccount(sim, account)) throw accountInvalid(caller.key, account);
  if (caller.tokenAccount !== null && account !== caller.tokenAccount) throw accountInvalid(caller.key, account);
  return account;
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method !== null && rule.method.toUpperCase() !== method) return false;
  return rule.path.startsWith('^') ? new RegExp(rule.path).test(path) : path.startsWith(rule.path);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Injected failures (POST /_sim/faults): the next n matching calls hang and/or fail. */
export async function applyFaults(sim: Sim, method: string, path: string): Promise<void> {
  const rule = sim.state.faults.find((r) => matches(r, method, path));
  if (!rule) return;
  if (rule.remaining > 0) rule.remaining -= 1;
  if (rule.remaining === 0) sim.state.faults = sim.state.faults.filter((r) => r !== rule);
  if (rule.hangMs > 0) await sleep(rule.hangMs);
  if (rule.status === null) return;
  const headers: Record<string, string> = rule.shouldRetry === null ? {} : { 'stripe-should-retry': String(rule.shouldRetry) };
  throw new SimError(rule.status, { ...faultBody(rule.status), ...(rule.error ?? {}) }, headers);
}

function faultBody(status: number): JsonObject {
  if (status === 429) {
    return {
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
    };
  }
  if (status === 402) {
    return { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
  }
  if (status >= 500) return { type: 'api_error', message: 'An unknown error occurred' };
  return { type: 'invalid_request_error', message: `Simulated failure (${status})` };
}

export function requestInfo(req: FastifyRequest, id: string): RequestInfo {
  return { id, idempotency_key: header(req, 'idempotency-key') };
}

export function newRequestId(): string {
  return newId('req', 15);
}

export function recordRequest(sim: Sim, req: FastifyRequest, reply: FastifyReply, id: string, account: string | null, replayed: boolean): void {
  const body: JsonObject = { ...formOf(req.body) };
  // The OAuth token call may carry the secret key as a parameter: never keep it.
  if ('client_secret' in body) body.client_secret = '[redacted]';
  sim.state.log(sim.state.requests, {
    id,
    at: new Date().toISOString(),
    method: req.method,
    path: req.url.split('?')[0] ?? req.url,
    query: formOf(req.query),
    body,
    headers: {
      'stripe-account': header(req, 'stripe-account'),
      'idempotency-key': header(req, 'idempotency-key'),
      'stripe-version': header(req, 'stripe-version'),
    },
    account,
    status: reply.statusCode,
    replayed,
  });
}

export { header };
