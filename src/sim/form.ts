/**
 * Stripe's form encoding: `metadata[foo]=bar`, `line_items[0][price]=p`, `expand[]=x`.
 * stripe-node sends arrays with indices (qs `arrayFormat: 'indices'`); curl users send `[]`.
 */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  const re = /\[([^\]]*)\]/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(key.slice(open))) !== null) parts.push(match[1] ?? '');
  return parts;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Keys that would reach Object.prototype: dropped (Stripe would reject them anyway). */
const UNSAFE = new Set(['__proto__', 'prototype', 'constructor']);

function assign(target: FormObject, parts: string[], value: string): void {
  if (parts.some((p) => UNSAFE.has(p))) return;
  let node: FormObject = target;
  for (let i = 0; i < parts.length; i++) {
    const raw = parts[i] ?? '';
    const last = i === parts.length - 1;
    // `[]` appends: give it the next free numeric key; arrays are materialised at the end.
    const key = raw === '' ? String(Object.keys(node).length) : raw;
    if (last) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      node = next;
    } else {
      const created: FormObject = {};
      node[key] = created;
      node = created;
    }
  }
}

/** Objects whose keys are all 0..n-1 become arrays (Stripe's `indices` arrays). */
function materialise(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const out: FormObject = {};
  for (const key of keys) out[key] = materialise(value[key] ?? '');
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => out[String(k)] ?? '');
  }
  return out;
}

export function parseForm(body: string): FormObject {
  const root: FormObject = {};
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
    assign(root, splitKey(key), value);
  }
  const out = materialise(root);
  return typeof out === 'object' && !Array.isArray(out) ? out : {};
}
