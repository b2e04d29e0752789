import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { oauthError, SimError } from './errors.js';
import { expandObject } from './expand.js';
import type { FormObject } from './form.js';
import type { IdempotencyStore } from './idempotency.js';
import type { JsonObject, StripeObject } from './json.js';
import { strings, optArr } from './params.js';
import {
  accountContext,
  apiKeyOf,
  applyFaults,
  authenticate,
  checkVersion,
  formOf,
  header,
  newRequestId,
  recordRequest,
  requestInfo,
  type Caller,
} from './pipeline.js';
import type { EventOptions, RequestInfo, Sim } from './sim.js';

export interface ApiContext {
  sim: Sim;
  params: FormObject;
  path: Record<string, string>;
  /** The account the request runs under (Stripe-Account header or OAuth token), null = platform. */
  account: string | null;
  caller: Caller;
  request: RequestInfo;
  /** Record an event caused by this request; it is delivered after the response. */
  emit(type: string, obj: StripeObject, opts?: Partial<EventOptions>): StripeObject;
}

export type ApiHandler = (ctx: ApiContext) => JsonObject | Promise<JsonObject>;
export type Method = 'GET' | 'POST' | 'DELETE';

interface Result {
  status: number;
  body: JsonObject;
  requestId: string;
}

export interface ApiDeps {
  app: FastifyInstance;
  sim: Sim;
  idempotency: IdempotencyStore;
  log: (message: string) => void;
}

export function errorBody(err: SimError, requestId: string): JsonObject {
  // OAuth endpoints answer in the OAuth shape: {error: "invalid_grant", error_description}.
  if (typeof err.body.error === 'string') return err.body;
  return { error: { ...err.body, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } };
}

async function execute(deps: ApiDeps, req: FastifyRequest, handler: ApiHandler, caller: Caller, account: string | null, requestId: string): Promise<Result> {
  const params: FormObject = { ...formOf(req.query), ...formOf(req.body) };
  const events: StripeObject[] = [];
  const request = requestInfo(req, requestId);
  const ctx: ApiContext = {
    sim: deps.sim,
    params,
    path: pathParams(req),
    account,
    caller,
    request,
    emit: (type, obj, opts = {}) => {
      const event = deps.sim.event(type, obj, { account: opts.account === undefined ? account : opts.account, request, ...opts });
      events.push(event);
      return event;
    },
  };
  const raw = await handler(ctx);
  const expand = strings(optArr(params, 'expand'));
  const body = expand.length > 0 ? expandObject(deps.sim.state, raw, expand, account) : raw;
  if (events.length > 0) void deps.sim.dispatch(events);
  return { status: 200, body, requestId };
}

function pathParams(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.params;
  if (typeof raw === 'object' && raw !== null) {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

export interface RouteOptions {
  /** connect.stripe.com endpoints: the key may come as `client_secret`, errors use the OAuth shape. */
  oauth?: boolean;
}

function callerOf(deps: ApiDeps, req: FastifyRequest, options: RouteOptions): Caller {
  if (options.oauth !== true) return authenticate(deps.sim, apiKeyOf(req));
  const secret = formOf(req.body).client_secret;
  const key = apiKeyOf(req) ?? (typeof secret === 'string' ? secret : null);
  try {
    return authenticate(deps.sim, key);
  } catch (err) {
    if (err instanceof SimError) throw oauthError(401, 'invalid_client', err.message);
    throw err;
  }
}

async function handle(deps: ApiDeps, req: FastifyRequest, reply: FastifyReply, handler: ApiHandler, options: RouteOptions): Promise<JsonObject> {
  const requestId = newRequestId();
  const path = req.url.split('?')[0] ?? req.url;
  let account: string | null = null;
  let replayed = false;
  reply.header('request-id', requestId);
  try {
    await applyFaults(deps.sim, req.method, path);
    const caller = callerOf(deps, req, options);
    checkVersion(req);
    account = options.oauth === true ? null : accountContext(deps.sim, req, caller);
    const idemKey = header(req, 'idempotency-key');
    let result: Result;
    if (idemKey !== null && req.method !== 'GET') {
      reply.header('idempotency-key', idemKey);
      const key = `${caller.key}\u0000${account ?? ''}\u0000${idemKey}`;
      const fingerprint = `${req.method} ${path} ${JSON.stringify({ ...formOf(req.query), ...formOf(req.body) })}`;
      const acct = account;
      result = await deps.idempotency.withLock(key, async () => {
        const stored = deps.idempotency.lookup(key, fingerprint, idemKey);
        if (stored !== undefined) {
          replayed = true;
          return { status: stored.status, body: stored.body, requestId: stored.requestId };
        }
        const fresh = await execute(deps, req, handler, caller, acct, requestId);
        deps.idempotency.save(key, { ...fresh, fingerprint });
        return fresh;
      });
      if (replayed) {
        reply.header('idempotent-replayed', 'true');
        reply.header('original-request', result.requestId);
      }
    } else {
      result = await execute(deps, req, handler, caller, account, requestId);
    }
    reply.code(result.status);
    return result.body;
  } catch (err) {
    const simError = err instanceof SimError ? err : new SimError(500, { type: 'api_error', message: 'An unknown error occurred' });
    if (!(err instanceof SimError)) deps.log(`simulator error on ${req.method} ${path}: ${err instanceof Error ? err.stack : String(err)}`);
    for (const [k, v] of Object.entries(simError.headers)) reply.header(k, v);
    reply.code(simError.status);
    return errorBody(simError, requestId);
  } finally {
    recordRequest(deps.sim, req, reply, requestId, account, replayed);
  }
}

/** Register one Stripe API route: faults, auth, version, account, idempotency, expand, record. */
export function route(deps: ApiDeps, method: Method, url: string, handler: ApiHandler, options: RouteOptions = {}): void {
  deps.app.route({ method, url, handler: (req, reply) => handle(deps, req, reply, handler, options) });
}
