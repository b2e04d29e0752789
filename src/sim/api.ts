import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { oauthError, SimError } from './errors.js';
import { expandObject } from './expand.js';
import type { FormObject } from './form.js';
import { checkIdempotencyKey, type IdempotencyStore } from './idempotency.js';
import type { JsonObject, StripeObject } from './json.js';
import { strings, optArr } from './params.js';
import {
  accountContext,
  apiKeyOf,
  applyFaults,
  authenticate,
  formOf,
  header,
  newRequestId,
  recordRequest,
  requestInfo,
  requestVersion,
  type Caller,
} from './pipeline.js';
import { shapeAnswer } from './shapes.js';
import { endpointFor, type Endpoint } from './spec/endpoints.js';
import { checkExpand } from './spec/expandable.js';
import type { Shape } from './versions.js';
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

/** Stripe's checks before an endpoint runs: its parameters against the spec, and `expand[]` against the answer's schema. */
function validate(endpoint: Endpoint, params: FormObject, expand: string[]): void {
  endpoint.check?.(params, '');
  if (endpoint.response !== null) for (const path of expand) checkExpand(endpoint.response, path);
}

async function execute(deps: ApiDeps, req: FastifyRequest, run: Run): Promise<Result> {
  const params: FormObject = { ...formOf(req.query), ...formOf(req.body) };
  const expand = strings(optArr(params, 'expand'));
  if (!run.oauth) validate(run.endpoint, params, expand);
  const events: StripeObject[] = [];
  const request = requestInfo(req, run.requestId);
  const ctx: ApiContext = {
    sim: deps.sim,
    params,
    path: pathParams(req),
    account: run.account,
    caller: run.caller,
    request,
    emit: (type, obj, opts = {}) => {
      const event = deps.sim.event(type, obj, { account: opts.account === undefined ? run.account : opts.account, request, ...opts });
      events.push(event);
      return event;
    },
  };
  const raw = await run.handler(ctx);
  const expanded = expand.length > 0 ? expandObject(deps.sim.state, raw, expand, run.account) : raw;
  if (events.length > 0) void deps.sim.dispatch(events);
  return { status: 200, body: shapeAnswer(expanded, run.shape), requestId: run.requestId };
}

/** An error the endpoint raised while running becomes a result (saved under an idempotency key, like Stripe). */
async function settle(deps: ApiDeps, req: FastifyRequest, run: Run): Promise<Result> {
  try {
    return await execute(deps, req, run);
  } catch (err) {
    if (!(err instanceof SimError) || err.validation) throw err;
    return { status: err.status, body: errorBody(err, run.requestId), requestId: run.requestId };
  }
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

interface Run {
  handler: ApiHandler;
  endpoint: Endpoint;
  oauth: boolean;
  caller: Caller;
  account: string | null;
  shape: Shape;
  requestId: string;
}

async function idempotent(deps: ApiDeps, req: FastifyRequest, reply: FastifyReply, run: Run, idemKey: string): Promise<{ result: Result; replayed: boolean }> {
  checkIdempotencyKey(idemKey);
  reply.header('idempotency-key', idemKey);
  const path = req.url.split('?')[0] ?? req.url;
  const key = `${run.caller.key}\u0000${run.account ?? ''}\u0000${idemKey}`;
  // Stripe names the endpoint by its path ('/v1/customers' vs '/v1/products'); a method change counts as other parameters.
  const endpoint = path;
  const fingerprint = `${req.method} ${JSON.stringify({ ...formOf(req.query), ...formOf(req.body) })}`;
  return deps.idempotency.withLock(key, async () => {
    const stored = deps.idempotency.lookup(key, endpoint, fingerprint, idemKey);
    if (stored !== undefined) return { result: { status: stored.status, body: stored.body, requestId: stored.requestId }, replayed: true };
    const fresh = await settle(deps, req, run);
    deps.idempotency.save(key, { ...fresh, endpoint, fingerprint });
    return { result: fresh, replayed: false };
  });
}

async function handle(deps: ApiDeps, req: FastifyRequest, reply: FastifyReply, handler: ApiHandler, options: RouteOptions, endpoint: () => Endpoint): Promise<JsonObject> {
  const requestId = newRequestId();
  const path = req.url.split('?')[0] ?? req.url;
  let account: string | null = null;
  let replayed = false;
  reply.header('request-id', requestId);
  try {
    await applyFaults(deps.sim, req.method, path);
    const caller = callerOf(deps, req, options);
    const oauth = options.oauth === true;
    const { shape } = requestVersion(req);
    account = oauth ? null : accountContext(deps.sim, req, caller);
    const run: Run = { handler, endpoint: oauth ? NO_ENDPOINT : endpoint(), oauth, caller, account, shape, requestId };
    const idemKey = header(req, 'idempotency-key');
    let result: Result;
    if (idemKey !== null && req.method !== 'GET') {
      ({ result, replayed } = await idempotent(deps, req, reply, run, idemKey));
      if (replayed) {
        reply.header('idempotent-replayed', 'true');
        reply.header('original-request', result.requestId);
      }
    } else {
      result = await execute(deps, req, run);
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

const NO_ENDPOINT: Endpoint = { check: null, response: null };

/** Register one Stripe API route: faults, auth, version, account, idempotency, expand, record. */
export function route(deps: ApiDeps, method: Method, url: string, handler: ApiHandler, options: RouteOptions = {}): void {
  // The spec is read and the endpoint's checks compiled on its first request, then kept.
  const endpoint = (): Endpoint => endpointFor(method, url);
  deps.app.route({ method, url, handler: (req, reply) => handle(deps, req, reply, handler, options, endpoint) });
}
