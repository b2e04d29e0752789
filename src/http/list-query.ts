import { z } from 'zod';

/** What the paginated list routes share: keyset cursors, prefix search, page size. */

/**
 * Opaque keyset cursors for the paginated list routes: the sort key of the last row of a page,
 * as base64url JSON. A keyset (not an offset) keeps pages stable while rows are added.
 */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

// PostgreSQL text cannot hold a NUL: a forged cursor holding one is a 400, not a failed query.
const keyPart = z.string().max(1024).regex(/^[^\u0000]*$/);

/** A `cursor` query parameter decoding to a sort key of `parts` strings; anything else is a 400 like any bad parameter. */
export function cursorParam(parts: number) {
  const key = z.array(keyPart).length(parts);
  return z
    .string()
    .max(8192)
    .transform((raw, ctx) => {
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
      } catch {
        decoded = undefined;
      }
      const parsed = key.safeParse(decoded);
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: 'custom', message: 'is not a cursor this list returned' });
      return z.NEVER;
    });
}

/** A text filter matching ids that start with the given text (LIKE's own wildcards escaped). */
export function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A "starts with" search term (LIKE's own wildcards escaped in likePrefix). */
export const searchPrefix = z.string().min(1).max(255).regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

export const pageLimit = z.coerce.number().int().min(1).max(200).default(50);
