/** JSON values as the simulator stores and returns them. */
export type Json = string | number | boolean | null | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** Every stored Stripe object has at least these. */
export interface StripeObject extends JsonObject {
  id: string;
  object: string;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Deep-merge `patch` into `target` (objects merge, everything else replaces). */
export function deepMerge<T extends JsonObject>(target: T, patch: JsonObject): T {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (isObject(value) && isObject(current)) deepMerge(current, value);
    else (target as JsonObject)[key] = clone(value);
  }
  return target;
}

/** Top-level keys whose values differ, with their old values (Stripe's previous_attributes). */
export function previousAttributes(before: JsonObject, after: JsonObject): JsonObject {
  const previous: JsonObject = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key] ?? null;
  }
  return previous;
}
