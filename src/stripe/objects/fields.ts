import { z } from 'zod';

/**
 * Field types shared by the object schemas. The schemas name only the fields the service reads,
 * with the types Stripe documents for them (the OpenAPI spec's `required` and `nullable`); any
 * other field is ignored, so a field Stripe adds or a version drops elsewhere changes nothing.
 * Where the versions we accept disagree (acacia `2024-12-18.acacia`, basil `2025-03-31.basil`
 * and their monthly successors), a schema accepts each version's place for the field and the
 * object it returns says it once.
 */

/** An id, or the object it names when expanded. */
export const expandableId = z
  .union([z.string(), z.object({ id: z.string() })], { error: 'expected an id or an object with an id' })
  .transform((v) => (typeof v === 'string' ? v : v.id));

/** Stripe metadata: string keys, string values. Absent or null reads as empty. */
export const metadata = z
  .record(z.string(), z.string())
  .nullish()
  .transform((m) => m ?? {});

export type Metadata = Record<string, string>;

/** Seconds since the epoch, as Stripe writes times. */
export const unixTime = z.number().int();

/** An amount in the currency's smallest unit. */
export const amount = z.number().int();
