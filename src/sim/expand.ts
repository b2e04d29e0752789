import { clone, isObject, type Json, type JsonObject } from './json.js';
import type { SimState } from './state.js';

/**
 * Stripe's `expand[]`: replace an id with the object it names (seen from the same account),
 * following dotted paths; `data.x` walks list items.
 */
export function expandObject(state: SimState, value: JsonObject, paths: string[], owner: string | null): JsonObject {
  const out = clone(value);
  for (const path of paths) expandPath(state, out, path.split('.'), owner);
  return out;
}

function resolve(state: SimState, node: JsonObject, key: string, owner: string | null): Json | undefined {
  const current = node[key];
  if (key === 'line_items' && node.object === 'checkout.session' && typeof node.id === 'string') {
    const items = state.sessionLineItems.get(node.id) ?? [];
    return { object: 'list', data: clone(items), has_more: false, url: `/v1/checkout/sessions/${node.id}/line_items` };
  }
  if (typeof current !== 'string') return current;
  const stored = state.find(current);
  if (!stored) return current;
  // Accounts live on the platform but are visible to themselves.
  if (stored.owner !== owner && !(stored.obj.object === 'account')) return current;
  return clone(stored.obj);
}

function expandPath(state: SimState, node: Json, parts: string[], owner: string | null): void {
  const [head, ...rest] = parts;
  if (head === undefined) return;
  if (Array.isArray(node)) {
    for (const item of node) expandPath(state, item, parts, owner);
    return;
  }
  if (!isObject(node)) return;
  const resolved = resolve(state, node, head, owner);
  if (resolved === undefined) return;
  node[head] = resolved;
  if (rest.length > 0) expandPath(state, resolved, rest, owner);
}
