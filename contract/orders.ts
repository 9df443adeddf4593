import * as z from 'zod/mini';

/** The orders service's requests (see `schemas.ts` for what belongs in a contract schema). */

function mergeLines<L extends { productId: string; quantity: number }>(lines: L[]): L[] {
  const merged = new Map<string, L>();
  for (const line of lines) {
    const seen = merged.get(line.productId);
    merged.set(line.productId, seen ? { ...seen, quantity: seen.quantity + line.quantity } : line);
  }
  return [...merged.values()];
}

export const newOrderSchema = z.object({
  items: z
    .array(
      z.object({
        // PostgreSQL prints UUIDs in lower case; the ids are compared with what it returns.
        productId: z.string().check(z.minLength(1, 'is required'), z.toLowerCase()),
        quantity: z.int('must be a positive integer').check(z.minimum(1, 'must be a positive integer'), z.maximum(1000)),
      }),
    )
    // One line per product: a product listed twice (in any letter case) is one line with the
    // quantities summed. A rule JSON Schema cannot state (unique by a key) would make the document
    // promise what the service refuses; this one only changes what an accepted order holds.
    .check(z.minLength(1, 'must hold at least one item'), z.maxLength(50), z.overwrite(mergeLines)),
});
export type OrderRequest = z.infer<typeof newOrderSchema>;
