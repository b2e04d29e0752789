import { z } from 'zod';

/** Entity and capability ids: printable, no whitespace or slashes, bounded. */
export const entityId = z
  .string()
  .min(1)
  .max(255)
  // Control characters too: PostgreSQL text cannot hold a NUL, and no id needs one.
  .regex(/^[^\s\p{Cc}/\\?#]+$/u, 'must not contain whitespace, control characters, slashes, ? or #')
  // A URL client collapses `.` and `..` segments (also `%2E`) into another path: such an id could never be checked.
  .refine((id) => id !== '.' && id !== '..', 'must not be . or ..');

// Starts with a letter or digit, so `.` and `..` never pass either.
export const capability = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, . _ : - only');

export const httpUrl = z
  .string()
  .max(2048)
  // The URL parser percent-encodes a NUL, but the text is stored as given and PostgreSQL refuses it.
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');

export const entityParams = z.object({ entity_id: entityId });
