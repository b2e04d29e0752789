import { invalidRequest, SimError } from './errors.js';

/** The version the simulator stores objects in and answers without a `Stripe-Version` header. */
export const DEFAULT_API_VERSION = '2024-12-18.acacia';

/**
 * The object shapes the simulator can answer in. Each named release began with its breaking
 * changes; its later monthly versions only add (https://docs.stripe.com/changelog), so every
 * version of a release shares its shape.
 */
export type Shape = 'acacia' | 'basil';

const MODELLED: Record<string, Shape> = {
  '2024-09-30.acacia': 'acacia',
  '2024-10-28.acacia': 'acacia',
  '2024-11-20.acacia': 'acacia',
  '2024-12-18.acacia': 'acacia',
  '2025-01-27.acacia': 'acacia',
  '2025-02-24.acacia': 'acacia',
  '2025-03-31.basil': 'basil',
  '2025-04-30.basil': 'basil',
  '2025-05-28.basil': 'basil',
  '2025-06-30.basil': 'basil',
  '2025-07-30.basil': 'basil',
  '2025-08-27.basil': 'basil',
};

/**
 * Real Stripe versions whose shapes the simulator does not model: refused with a message that
 * says so, rather than answered in a shape they do not have. Not every older version is listed;
 * an unlisted one is refused as unknown, which is the same 400.
 */
const NOT_MODELLED = new Set([
  '2025-09-30.clover',
  '2025-10-29.clover',
  '2025-11-17.clover',
  '2025-12-15.clover',
  '2024-06-20',
  '2024-04-10',
  '2023-10-16',
  '2023-08-16',
  '2022-11-15',
  '2022-08-01',
  '2020-08-27',
  '2020-03-02',
  '2019-12-03',
]);

export const MODELLED_VERSIONS = Object.keys(MODELLED);

/** The shape of a version the simulator speaks, or undefined. */
export function shapeOf(version: string): Shape | undefined {
  return MODELLED[version];
}

/** A `Stripe-Version` the simulator can answer in, or Stripe's 400 (and ours for real versions it does not model). */
export function requireModelled(version: string): Shape {
  const shape = MODELLED[version];
  if (shape !== undefined) return shape;
  if (NOT_MODELLED.has(version)) {
    throw invalidRequest(
      `Stripe-Version ${version} is a Stripe API version this simulator does not model; it answers in the shapes of ${MODELLED_VERSIONS.join(', ')}.`,
      { code: 'simulator_version_not_modelled' },
    );
  }
  throw invalidRequest(`Invalid Stripe API version: ${version}`);
}

/** For configuration (webhook endpoints): a plain Error the caller turns into its own answer. */
export function modelledVersion(version: string): string {
  try {
    requireModelled(version);
  } catch (err) {
    if (err instanceof SimError) throw new Error(err.message);
    throw err;
  }
  return version;
}
