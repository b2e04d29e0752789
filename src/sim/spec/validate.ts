import { docUrl, validationError, type SimError } from '../errors.js';
import type { FormObject, FormValue } from '../form.js';
import type { Schema } from './load.js';
import { checkMetadata } from './metadata.js';

/** A compiled check of one form value against its schema; throws Stripe's 400. */
export type Check = (value: FormValue, param: string) => void;

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)$/;

/** How Stripe prints a value it refuses (its API is Ruby: arrays and hashes read as `inspect`). */
export function inspect(value: FormValue): string {
  if (typeof value === 'string') return value;
  const quote = (v: FormValue): string => (typeof v === 'string' ? JSON.stringify(v) : inspect(v));
  if (Array.isArray(value)) return `[${value.map(quote).join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}=>${quote(v)}`).join(', ')}}`;
}

function child(param: string, key: string): string {
  return param === '' ? key : `${param}[${key}]`;
}

function unknown(param: string): SimError {
  return validationError(`Received unknown parameter: ${param}`, { code: 'parameter_unknown', doc_url: docUrl('parameter_unknown'), param });
}

function missing(param: string): SimError {
  return validationError(`Missing required param: ${param}.`, { code: 'parameter_missing', doc_url: docUrl('parameter_missing'), param });
}

function empty(param: string): SimError {
  return validationError(
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    { code: 'parameter_invalid_empty', doc_url: docUrl('parameter_invalid_empty'), param },
  );
}

function invalid(param: string, message: string, code?: string): SimError {
  return validationError(message, code === undefined ? { param } : { code, doc_url: docUrl(code), param });
}

/** "a, b, or c" — Stripe's list of allowed values. */
function oneOf(values: Array<string | number | boolean | null>): string {
  const shown = values.map(String);
  if (shown.length <= 2) return shown.join(' or ');
  return `${shown.slice(0, -1).join(', ')}, or ${shown[shown.length - 1] ?? ''}`;
}

type Kind = 'object' | 'array' | 'scalar' | 'any';

function kindOf(schema: Schema): Kind {
  if (schema.type === 'object') return 'object';
  if (schema.type === 'array') return 'array';
  if (schema.type === undefined) return 'any';
  return 'scalar';
}

function valueKind(value: FormValue): Kind {
  if (typeof value === 'string') return 'scalar';
  return Array.isArray(value) ? 'array' : 'object';
}

/** `x[0]=a` parses as an array; where Stripe expects a hash its keys are just "0", "1"… */
function asObject(value: FormValue[]): FormObject {
  const out: FormObject = {};
  value.forEach((v, i) => (out[String(i)] = v));
  return out;
}

function compileObject(schema: Schema, name: string): Check {
  const properties = new Map<string, Check>();
  for (const [key, prop] of Object.entries(schema.properties ?? {})) properties.set(key, compile(prop, key));
  const extra = schema.additionalProperties;
  // Metadata values may be empty: `metadata[k]=` deletes the key.
  const additional: Check | null = typeof extra === 'object' ? compile(extra, '', name === 'metadata') : null;
  // A hash with neither properties nor a value schema is free-form.
  const open = extra === true || (extra === undefined && schema.properties === undefined);
  const required = schema.required ?? [];
  return (value, param) => {
    if (value === '') throw empty(param);
    if (typeof value === 'string') throw invalid(param, 'Invalid hash');
    const obj = Array.isArray(value) ? asObject(value) : value;
    if (name === 'metadata' && additional !== null) checkMetadata(obj, param);
    for (const [key, v] of Object.entries(obj)) {
      const check = properties.get(key) ?? additional;
      if (check !== null) check(v, child(param, key));
      else if (!open) throw unknown(child(param, key));
    }
    for (const key of required) if (!(key in obj)) throw missing(child(param, key));
  };
}

function compileArray(schema: Schema): Check {
  const item = schema.items === undefined ? null : compile(schema.items, '');
  return (value, param) => {
    if (value === '') throw empty(param);
    if (!Array.isArray(value)) throw invalid(param, 'Invalid array');
    if (item !== null) value.forEach((v, i) => item(v, child(param, String(i))));
  };
}

function compileScalar(schema: Schema, allowEmpty: boolean): Check {
  const values = schema['x-stripeBypassValidation'] === true ? undefined : schema.enum;
  return (value, param) => {
    if (value === '' && !allowEmpty && !(values?.includes('') ?? false)) throw empty(param);
    if (typeof value !== 'string') {
      const what = schema.type === 'number' ? 'decimal' : (schema.type ?? 'string');
      throw invalid(param, `Invalid ${what}: ${inspect(value)}`);
    }
    if (value === '') return;
    if (schema.type === 'integer' && !INTEGER.test(value)) throw invalid(param, `Invalid integer: ${value}`, 'parameter_invalid_integer');
    if (schema.type === 'number' && !DECIMAL.test(value)) throw invalid(param, `Invalid decimal: ${value}`);
    if (schema.type === 'boolean' && value !== 'true' && value !== 'false') throw invalid(param, `Invalid boolean: ${value}`);
    if (values !== undefined && !values.map(String).includes(value)) throw invalid(param, `Invalid ${param}: must be one of ${oneOf(values)}`);
  };
}

function compileAnyOf(branches: Schema[], name: string): Check {
  // `anyOf: [X, {enum: [""]}]` is how the spec marks a parameter that may be unset.
  const acceptsEmpty = branches.some((b) => b.enum?.length === 1 && b.enum[0] === '');
  const real = branches.filter((b) => !(b.enum?.length === 1 && b.enum[0] === '')).map((b) => ({ kind: kindOf(b), check: compile(b, name) }));
  return (value, param) => {
    if (value === '') {
      if (acceptsEmpty) return;
      throw empty(param);
    }
    const kind = valueKind(value);
    // Try the branches of the value's own kind first, so the error names the likely intent.
    const ordered = [...real.filter((b) => b.kind === kind || b.kind === 'any'), ...real.filter((b) => b.kind !== kind && b.kind !== 'any')];
    let first: unknown;
    for (const branch of ordered) {
      try {
        branch.check(value, param);
        return;
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  };
}

/** Compile a request schema (no `$ref`s: Stripe's request schemas are inline). `name` is the property's own name. */
export function compile(schema: Schema, name = '', allowEmpty = false): Check {
  if (schema.anyOf !== undefined) return compileAnyOf(schema.anyOf, name);
  switch (schema.type) {
    case 'object':
      return compileObject(schema, name);
    case 'array':
      return compileArray(schema);
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return compileScalar(schema, allowEmpty);
    default:
      return () => undefined;
  }
}
