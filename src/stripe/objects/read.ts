import type { z } from 'zod';

/**
 * A Stripe object that matches none of the shapes of the API versions we read (see fields.ts).
 * Its message names the field: `customer.subscription.updated: data.object.items.data[0].quantity:
 * expected number, received string`, so the event row (or the log) says what Stripe sent.
 */
export class MalformedStripeObject extends Error {
  override readonly name = 'MalformedStripeObject';
  constructor(
    readonly where: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${where}: ${field}: ${problem}`);
  }
}

/** Reads an untrusted value into one of our normalised objects, or throws MalformedStripeObject. */
export type ObjectReader<T> = (value: unknown, where: string, root?: string) => T;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `items.data[0].quantity`, `metadata["odd key"]`: the path as one would write it in JavaScript. */
export function fieldPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(the object)' : out;
}

export function objectReader<S extends z.ZodType>(schema: S): ObjectReader<z.output<S>> {
  return (value, where, root = '') => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const [first, ...rest] = result.error.issues;
    const problem = (first?.message ?? 'does not match').replace(/^Invalid input: /, '');
    const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
    throw new MalformedStripeObject(where, fieldPath(root, first?.path ?? []), `${problem}${more}`);
  };
}
