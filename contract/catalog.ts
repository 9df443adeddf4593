import * as z from 'zod/mini';

/** The catalog's requests (see `schemas.ts` for what belongs in a contract schema). */

/**
 * An opaque page cursor: 22 base64url characters (the 16 bytes of the last id of the previous
 * page). Any such string is a position, so the pattern is the whole rule.
 */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export const listProductsQuerySchema = z.object({
  limit: z._default(
    z.coerce
      .number('must be an integer')
      .check(z.multipleOf(1, 'must be an integer'), z.minimum(1, 'must be between 1 and 100'), z.maximum(100, 'must be between 1 and 100')),
    20,
  ),
  cursor: z.optional(z.string().check(z.regex(CURSOR_PATTERN, 'is not a cursor this API returned'))),
});
