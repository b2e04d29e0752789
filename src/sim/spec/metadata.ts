import { validationError } from '../errors.js';
import type { FormValue } from '../form.js';

/** https://docs.stripe.com/api/metadata: at most 50 keys, keys up to 40 characters, values up to 500. */
export const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 } as const;

/** The number of keys, as Stripe words it when there are too many (the count is the object's, after the update). */
export function checkMetadataCount(count: number, param: string): void {
  if (count > METADATA_LIMITS.keys) {
    throw validationError(`Metadata can have up to ${METADATA_LIMITS.keys} keys, but you've set ${count}. Email us at support+metadata@stripe.com for more information.`, { param });
  }
}

/** Stripe's own messages for metadata over its limits (the wording of real API answers). */
export function checkMetadata(metadata: Record<string, FormValue>, param: string): void {
  const entries = Object.entries(metadata);
  checkMetadataCount(entries.filter(([, v]) => v !== '').length, param);
  for (const [key, value] of entries) {
    if (key.length > METADATA_LIMITS.keyLength) {
      throw validationError(`Metadata keys can have up to ${METADATA_LIMITS.keyLength} characters, but you passed in a key that is ${key.length} characters. Invalid key: ${key}`, { param });
    }
    if (typeof value === 'string' && value.length > METADATA_LIMITS.valueLength) {
      throw validationError(`Metadata values can have up to ${METADATA_LIMITS.valueLength} characters, but you passed in a value that is ${value.length} characters. Invalid value: ${value}`, { param });
    }
  }
}
