import fc from 'fast-check';
import { AUTH } from '../../helpers/config.js';

/** fast-check generators for hostile HTTP input: bodies, path segments, queries and headers. */

export const TENANT = '00000000-0000-0000-0000-000000000000';

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf'];

export const protoKey = fc.constantFrom(...PROTO_KEYS);

/** Long strings: near and over the field limits, multi-byte, and one over the 1 MB body limit. */
export const hugeString = fc.constantFrom('a'.repeat(256), 'x'.repeat(5_000), '𝒳'.repeat(40_000), 'é'.repeat(100_000), '\u0000'.repeat(1000));

export const weirdString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', 'null', 'undefined', 'NaN', '0', '-1', 'true', '../..', '%00', '\r\n', '<script>', "'; DROP TABLE x; --", '${x}', '\u202e', '🙂', 'https://', 'javascript:alert(1)'),
  hugeString,
);

/** Any JSON value, including deep nesting and prototype-pollution keys. */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: weirdString },
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, 2 ** 53 + 1, 0.5),
  fc.dictionary(protoKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.integer({ min: 1, max: 400 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
);

/** JSON text of an object, keeping keys like `__proto__` literal (JSON.stringify of an object would not). */
export function objectText(entries: Array<[string, unknown]>): string {
  return `{${entries.filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

/**
 * A body for a route with these fields: each field valid, junk or missing, plus stray keys
 * (often prototype-pollution ones); or not an object at all; or not JSON at all.
 */
export function bodyFor(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  const field = (valid: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: junkValue }, { weight: 1, arbitrary: fc.constant(undefined) });
  const entries = fc.tuple(
    ...Object.entries(fields).map(([k, v]) => field(v).map((value): [string, unknown] => [k, value])),
    fc.array(fc.tuple(fc.oneof(protoKey, fc.string({ maxLength: 10 })), junkValue), { maxLength: 3 }),
  );
  return fc.oneof(
    { weight: 6, arbitrary: entries.map((all) => objectText([...(all.slice(0, -1) as Array<[string, unknown]>), ...(all.at(-1) as Array<[string, unknown]>)])) },
    { weight: 1, arbitrary: junkValue.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('', '{', '{"a":', '[1,2', 'null', '{"__proto__":{"polluted":true}}', '{"a":1}'.repeat(3))) },
    { weight: 1, arbitrary: fc.constantFrom('{"x":"' + 'y'.repeat(1_100_000) + '"}') },
  );
}

export const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json; charset=latin1', ''),
);

/** A path segment: a known id, an encoded random string, or raw hostile text. */
export function segment(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    { weight: 3, arbitrary: weirdString.map((s) => encodeURIComponent(s.slice(0, 3000)) || 'x') },
    fc.constantFrom('%', '%zz', '%E0%A4%A', '%2F', '..', '.', '%00', 'a%20b', '%F0%9F%99%82', 'x'.repeat(300), '%C0%AF'),
  );
}

/** Printable ASCII only: anything else cannot be sent as a header at all. */
const headerText = fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

export const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant(AUTH.authorization) },
  fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `bearer ${AUTH.authorization.slice(7)}`, `Bearer ${'a'.repeat(5000)}`),
  headerText.map((s) => `Bearer ${s}`),
);

export const tenantHeader = fc.option(
  fc.oneof(fc.constant(TENANT), fc.uuid(), headerText, fc.constantFrom(' ', '00000000-0000-0000-0000-00000000000g', TENANT.toUpperCase())),
  { nil: undefined },
);

export function headersOf(h: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
  return out;
}

/** Random query strings: known keys with hostile values, repeated keys, bad percent-encoding. */
export function queryFor(keys: string[]): fc.Arbitrary<string> {
  const pairs = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys), protoKey, fc.string({ maxLength: 8 })), weirdString), { maxLength: 6 });
  return fc.oneof(
    { weight: 4, arbitrary: pairs.map((p) => new URLSearchParams(p.map(([k, v]): [string, string] => [k, v.slice(0, 5000)])).toString()) },
    fc.constantFrom('state=%E0%A4%A', 'state[]=1&state[]=2', 'state=a&state=b', '__proto__[x]=1', 'state', '&&&=', 'state=' + 'a'.repeat(10_000), 'limit=1e3', 'limit=-1', 'limit=0x10'),
  );
}

export const headerString = headerText;
