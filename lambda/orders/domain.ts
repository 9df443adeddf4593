import * as z from 'zod/mini';

export const createOrderSchema = z.object({
  items: z
    .array(
      z.object({
        // PostgreSQL prints UUIDs in lower case; the ids are compared with what it returns.
        productId: z.string().check(z.minLength(1, 'is required'), z.toLowerCase()),
        quantity: z
          .number('must be a number')
          .check(z.multipleOf(1, 'must be a positive integer'), z.positive('must be a positive integer'), z.maximum(1000)),
      }),
    )
    .check(
      z.minLength(1, 'must hold at least one item'),
      z.maxLength(50),
      z.superRefine((items, ctx) => {
        const seen = new Set<string>();
        items.forEach((item, i) => {
          if (seen.has(item.productId))
            ctx.addIssue({ code: 'custom', path: [i, 'productId'], message: 'appears twice: one line per product', input: item.productId });
          seen.add(item.productId);
        });
      }),
    ),
});
export type OrderRequest = z.infer<typeof createOrderSchema>;

export interface PricedProduct {
  readonly id: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly stock: number;
}

export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export interface Order {
  readonly orderId: string;
  readonly status: 'PENDING' | 'PAID';
  readonly totalCents: number;
  readonly currency: string;
  readonly items: readonly OrderLine[];
}

export type PricingOutcome =
  | { readonly ok: true; readonly lines: OrderLine[]; readonly totalCents: number; readonly currency: string }
  | { readonly ok: false; readonly reason: 'PRODUCT_NOT_FOUND' | 'INSUFFICIENT_STOCK' | 'MIXED_CURRENCY'; readonly productId: string }
  | { readonly ok: false; readonly reason: 'TOTAL_TOO_LARGE' };

/** `orders.total_cents` is a PostgreSQL integer: a larger total cannot be stored. */
export const MAX_TOTAL_CENTS = 2 ** 31 - 1;

/** Prices an order against the products as locked in the transaction: pure, so it is unit-tested. */
export function priceOrder(request: OrderRequest, products: ReadonlyMap<string, PricedProduct>): PricingOutcome {
  const lines: OrderLine[] = [];
  let currency: string | undefined;
  for (const item of request.items) {
    const product = products.get(item.productId);
    if (!product) return { ok: false, reason: 'PRODUCT_NOT_FOUND', productId: item.productId };
    if (product.stock < item.quantity) return { ok: false, reason: 'INSUFFICIENT_STOCK', productId: item.productId };
    currency ??= product.currency;
    if (product.currency !== currency) return { ok: false, reason: 'MIXED_CURRENCY', productId: item.productId };
    lines.push({ productId: item.productId, quantity: item.quantity, unitPriceCents: product.priceCents });
  }
  const totalCents = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
  if (totalCents > MAX_TOTAL_CENTS) return { ok: false, reason: 'TOTAL_TOO_LARGE' };
  return { ok: true, lines, totalCents, currency: currency! };
}
