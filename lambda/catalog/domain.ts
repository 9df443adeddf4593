import { isUuid } from '#shared/ids.js';
import * as z from 'zod/mini';

export interface Product {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly stock: number;
}

export interface ProductPage {
  readonly items: readonly Product[];
  readonly nextCursor: string | null;
}

export const isProductId = isUuid;

/** Opaque cursor: the last id of the previous page, base64url-encoded. */
export const encodeCursor = (lastId: string): string => Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');

export function decodeCursor(cursor: string): string | undefined {
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    // Lower-cased: PostgreSQL compares UUIDs case-blind, and the cache key must do the same.
    return typeof after === 'string' && isProductId(after) ? after.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

export const listQuerySchema = z.object({
  limit: z._default(
    z.coerce
      .number()
      .check(z.multipleOf(1, 'must be an integer'), z.minimum(1, 'must be between 1 and 100'), z.maximum(100, 'must be between 1 and 100')),
    20,
  ),
  cursor: z.optional(z.string().check(z.refine((c) => decodeCursor(c) !== undefined, 'is not a cursor this API returned'))),
});

/** Builds a page from `limit + 1` rows: the extra row only says there is a next page. */
export function toPage(rows: readonly Product[], limit: number): ProductPage {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].id) : null };
}
