import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ACACIA_REQUEST_ADDITIONS, ACACIA_RESPONSE_ADDITIONS } from '../../src/sim/spec/acacia-additions.js';
import { stripeSpec, type Operation, type Schema } from '../../src/sim/spec/load.js';
import { BASIL_DELTAS } from './schema-versions.js';

type Node = unknown;

/**
 * OpenAPI 3.0's `nullable: true` is not JSON Schema: turn it into an explicit `null` branch
 * (type lists, enums and `anyOf`s) so ajv can check Stripe's schemas as they are written.
 */
export function translateNullable(node: Node): Node {
  if (Array.isArray(node)) return node.map(translateNullable);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, Node> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' || k === 'schemas' ? mapValues(v, translateNullable) : translateNullable(v);
  if (out.nullable !== true) return out;
  delete out.nullable;
  if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function mapValues(value: Node, fn: (v: Node) => Node): Node {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, Node> = {};
  for (const [k, v] of Object.entries(value)) out[k] = fn(v);
  return out;
}

/**
 * Close every object schema that lists its properties: a field the version does not have is
 * then an error, not silently allowed (Stripe's spec leaves `additionalProperties` open).
 */
export function closeObjects(node: Node): Node {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, Node> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-')) out[k] = v;
    else if (k === 'properties' || k === 'schemas') out[k] = mapValues(v, closeObjects);
    else out[k] = closeObjects(v);
  }
  if (out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

export type VersionName = 'acacia' | 'basil';

/** The object schema a property path leads to (through `anyOf` branches and nullable wrappers). */
function objectAt(schema: Schema, path: string[]): Schema {
  let node = schema;
  for (const name of path) {
    const next = node.properties?.[name];
    if (next === undefined) throw new Error(`no property ${path.join('.')}`);
    node = next.anyOf?.find((b) => b.properties !== undefined) ?? next;
  }
  return node;
}

/** components.schemas for one API version: the spec, acacia's additions, then that version's changes. */
function versionSchemas(version: VersionName): Record<string, Schema> {
  const schemas = structuredClone(stripeSpec().components.schemas);
  for (const a of ACACIA_RESPONSE_ADDITIONS) {
    const path = a.property.split('.');
    const parent = objectAt(schemas[a.schema] ?? {}, path.slice(0, -1));
    parent.properties = { ...(parent.properties ?? {}), [path[path.length - 1] ?? '']: a.value };
  }
  if (version === 'basil') {
    for (const d of BASIL_DELTAS) {
      const target = schemas[d.schema];
      if (target === undefined) throw new Error(`no schema ${d.schema}`);
      for (const name of d.remove ?? []) {
        delete target.properties?.[name];
        target.required = (target.required ?? []).filter((r) => r !== name);
      }
      target.properties = { ...(target.properties ?? {}), ...(d.add ?? {}) };
      target.required = [...(target.required ?? []), ...(d.require ?? [])];
    }
  }
  return schemas;
}

export class StripeSchemas {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly version: string;

  constructor(readonly apiVersion: VersionName = 'acacia') {
    this.version = stripeSpec().info.version;
    this.ajv.addSchema({ $id: 'stripe', components: { schemas: translateNullable(closeObjects(versionSchemas(apiVersion))) } });
  }

  validator(name: string): ValidateFunction {
    let fn = this.compiled.get(name);
    if (fn === undefined) {
      fn = this.ajv.compile({ $ref: `stripe#/components/schemas/${name}` });
      this.compiled.set(name, fn);
    }
    return fn;
  }

  /** Errors for `value` against components.schemas[name] (closed, in this version). */
  errors(name: string, value: unknown): ErrorObject[] {
    const fn = this.validator(name);
    if (fn(value)) return [];
    return fn.errors ?? [];
  }
}

/** The spec path a concrete URL matches, preferring literal segments (`/v1/account` over `/v1/{x}`). */
function specPathOf(url: string): string | undefined {
  const segments = url.split('/');
  let best: { path: string; literal: number } | undefined;
  for (const path of Object.keys(stripeSpec().paths)) {
    const parts = path.split('/');
    if (parts.length !== segments.length) continue;
    if (!parts.every((p, i) => p.startsWith('{') || p === segments[i])) continue;
    const literal = parts.filter((p) => !p.startsWith('{')).length;
    if (best === undefined || literal > best.literal) best = { path, literal };
  }
  return best?.path;
}

/**
 * Checks requests the way Stripe reads them: form strings coerced to the schema's types
 * (ajv's own coercion, independent of the simulator's validator).
 */
export class StripeRequests {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, coerceTypes: true });
  private readonly compiled = new Map<string, ValidateFunction | null>();

  private schemaFor(method: string, path: string): Schema | null {
    const op: Operation | undefined = stripeSpec().paths[path]?.[method.toLowerCase()];
    if (op === undefined) return null;
    if (method === 'GET') {
      const properties: Record<string, Schema> = {};
      for (const p of op.parameters ?? []) if (p.in === 'query') properties[p.name] = p.schema ?? {};
      return { type: 'object', properties, additionalProperties: false };
    }
    const schema = structuredClone(op.requestBody?.content['application/x-www-form-urlencoded']?.schema ?? null);
    for (const a of ACACIA_REQUEST_ADDITIONS) {
      if (schema === null || a.method !== method.toLowerCase() || a.path !== path) continue;
      const names = a.param.replace(/\]/g, '').split('[');
      const parent = objectAt(schema, names.slice(0, -1));
      parent.properties = { ...(parent.properties ?? {}), [names[names.length - 1] ?? '']: a.schema };
    }
    return schema;
  }

  /** Errors for one recorded request; null when the URL is not a Stripe API endpoint in the spec. */
  errors(method: string, url: string, params: unknown): ErrorObject[] | null {
    const path = specPathOf(url);
    if (path === undefined) return null;
    const key = `${method} ${path}`;
    if (!this.compiled.has(key)) {
      const schema = this.schemaFor(method, path);
      this.compiled.set(key, schema === null ? null : this.ajv.compile(translateNullable(closeObjects(schema)) as object));
    }
    const fn = this.compiled.get(key);
    if (fn === undefined || fn === null) return null;
    return fn(structuredClone(params)) ? [] : (fn.errors ?? []);
  }
}
