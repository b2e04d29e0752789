import { invalidParam, missingParam } from './errors.js';
import type { FormObject, FormValue } from './form.js';
import type { JsonObject } from './json.js';
import { checkMetadataCount } from './spec/metadata.js';

/** Typed readers over a parsed form body; each throws Stripe's own 400 on a bad value. */
export function optStr(p: FormObject, name: string): string | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidParam(name, `Invalid string: ${JSON.stringify(v)}`);
  return v;
}

export function reqStr(p: FormObject, name: string, label = name): string {
  const v = optStr(p, name);
  if (v === undefined || v === '') throw missingParam(label);
  return v;
}

export function optInt(p: FormObject, name: string, label = name): number | undefined {
  const v = optStr(p, name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw invalidParam(label, `Invalid integer: ${v}`);
  return Number(v);
}

export function optNum(p: FormObject, name: string, label = name): number | undefined {
  const v = optStr(p, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw invalidParam(label, `Invalid decimal: ${v}`);
  return n;
}

/** A percentage as Stripe takes it: a decimal with at most two decimal places. */
export function optPercent(p: FormObject, name: string, label = name): number | undefined {
  const n = optNum(p, name, label);
  if (n !== undefined && !/^-?\d*(?:\.\d{0,2})?$/.test(String(p[name]))) {
    throw invalidParam(label, `Invalid decimal: ${String(p[name])}; must contain at maximum two decimal places.`);
  }
  return n;
}

export function optBool(p: FormObject, name: string): boolean | undefined {
  const v = optStr(p, name);
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalidParam(name, `Invalid boolean: ${v}`);
}

export function optObj(p: FormObject, name: string): FormObject | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v === 'string' || Array.isArray(v)) throw invalidParam(name, `Invalid object`);
  return v;
}

export function optArr(p: FormObject, name: string): FormValue[] | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [v];
  throw invalidParam(name, `Invalid array`);
}

export function strings(values: FormValue[] | undefined): string[] {
  return (values ?? []).filter((v): v is string => typeof v === 'string');
}

/** Stripe metadata semantics: `metadata=` clears, `metadata[k]=` deletes a key; the result holds at most 50 keys. */
export function applyMetadata(current: JsonObject, p: FormObject, name = 'metadata'): JsonObject {
  const v = p[name];
  if (v === undefined) return current;
  if (v === '') return {};
  if (typeof v === 'string' || Array.isArray(v)) throw invalidParam(name, 'Invalid object');
  const next: JsonObject = { ...current };
  for (const [key, value] of Object.entries(v)) {
    if (typeof value !== 'string') throw invalidParam(`${name}[${key}]`, 'Invalid string');
    if (value === '') delete next[key];
    else next[key] = value;
  }
  checkMetadataCount(Object.keys(next).length, name);
  return next;
}
