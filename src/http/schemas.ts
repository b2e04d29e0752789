import { z } from 'zod';

/** Entity and capability ids: printable, no whitespace or slashes, bounded. */
export const entityId = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\s/\\?#]+$/u, 'must not contain whitespace, slashes, ? or #');

export const capability = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, . _ : - only');

export const httpUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');

export const entityParams = z.object({ entity_id: entityId });
