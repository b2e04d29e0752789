import { ACACIA_REQUEST_ADDITIONS } from './acacia-additions.js';
import { stripeSpec, type Operation, type Schema } from './load.js';
import { compile, type Check } from './validate.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** What the spec says about one endpoint, compiled on its first request and kept for the process. */
export interface Endpoint {
  /** Checks the request's parameters (query for GET, body otherwise); null when the spec has no such endpoint. */
  check: Check | null;
  /** The 200 response schema (for `expand`), null when unknown. */
  response: Schema | null;
}

const endpoints = new Map<string, Endpoint>();
let pathIndex: Array<{ path: string; segments: string[] }> | undefined;

/** `/v1/accounts/:id` (a Fastify route) → `/v1/accounts/{account}` (the spec's name for the same URL). */
function specPath(url: string): string | undefined {
  pathIndex ??= Object.keys(stripeSpec().paths).map((path) => ({ path, segments: path.split('/') }));
  const segments = url.split('/');
  const found = pathIndex.find((p) => p.segments.length === segments.length && p.segments.every((s, i) => {
    const mine = segments[i] ?? '';
    return mine.startsWith(':') ? s.startsWith('{') : s === mine;
  }));
  return found?.path;
}

function bodySchema(op: Operation): Schema | undefined {
  return op.requestBody?.content['application/x-www-form-urlencoded']?.schema;
}

/** GET parameters travel in the query string; the spec lists them one by one. */
function querySchema(op: Operation): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const p of op.parameters ?? []) {
    if (p.in !== 'query') continue;
    properties[p.name] = p.schema ?? {};
    if (p.required === true) required.push(p.name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** `a[b][c]` → ['a', 'b', 'c']. */
function paramPath(param: string): string[] {
  return param.replace(/\]/g, '').split('[');
}

/** Insert the acacia parameters the 2024-04-10 spec lacks (src/sim/spec/acacia-additions.ts). */
function withAdditions(schema: Schema, method: string, path: string): Schema {
  const additions = ACACIA_REQUEST_ADDITIONS.filter((a) => a.method === method && a.path === path);
  if (additions.length === 0) return schema;
  const copy = structuredClone(schema);
  for (const addition of additions) {
    const names = paramPath(addition.param);
    let node: Schema | undefined = copy;
    for (const name of names.slice(0, -1)) {
      const next: Schema | undefined = node?.properties?.[name];
      node = next?.anyOf?.find((b) => b.type === 'object') ?? next?.items ?? next;
    }
    const last = names[names.length - 1] ?? '';
    if (node === undefined) throw new Error(`acacia addition ${addition.param}: no such parent in ${method} ${path}`);
    node.properties = { ...(node.properties ?? {}), [last]: addition.schema };
  }
  return copy;
}

function build(method: HttpMethod, url: string): Endpoint {
  const path = specPath(url);
  const op = path === undefined ? undefined : stripeSpec().paths[path]?.[method.toLowerCase()];
  if (path === undefined || op === undefined) return { check: null, response: null };
  const raw = method === 'GET' ? querySchema(op) : bodySchema(op);
  const schema = raw === undefined ? undefined : withAdditions(raw, method.toLowerCase(), path);
  return {
    check: schema === undefined ? null : compile(schema),
    response: op.responses?.['200']?.content?.['application/json']?.schema ?? null,
  };
}

export function endpointFor(method: HttpMethod, url: string): Endpoint {
  const key = `${method} ${url}`;
  let endpoint = endpoints.get(key);
  if (endpoint === undefined) {
    endpoint = build(method, url);
    endpoints.set(key, endpoint);
  }
  return endpoint;
}
