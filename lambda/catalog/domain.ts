import { isUuid } from '#shared/ids.js';
import { CURSOR_PATTERN } from '../../contract/catalog.js';

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

/**
 * Opaque cursor: the 16 bytes of the last id of the previous page, base64url-encoded (22
 * characters). Every such string decodes to some id, so the contract's pattern
 * (`CURSOR_PATTERN`) is the whole rule and the OpenAPI document states it exactly.
 */
export const encodeCursor = (lastId: string): string => Buffer.from(lastId.replaceAll('-', ''), 'hex').toString('base64url');

/** The id a cursor stands for (lower case, as PostgreSQL prints it and the cache keys it), or undefined. */
export function decodeCursor(cursor: string): string | undefined {
  if (!CURSOR_PATTERN.test(cursor)) return undefined;
  const hex = Buffer.from(cursor, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Builds a page from `limit + 1` rows: the extra row only says there is a next page. */
export function toPage(rows: readonly Product[], limit: number): ProductPage {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].id) : null };
}
