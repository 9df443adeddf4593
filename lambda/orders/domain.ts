import type { OrderRequest } from '../../contract/orders.js';

export type { OrderRequest };

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

export type OrderStatus = 'PENDING' | 'PAID' | 'EXPIRED';

export interface Order {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly totalCents: number;
  readonly currency: string;
  readonly items: readonly OrderLine[];
  /** Until when an unpaid order holds its stock (ISO 8601). */
  readonly expiresAt: string;
}

/** Stage config `orders`: how long stock is held for an unpaid order, how many unpaid orders one user may hold. */
export interface OrderLimits {
  readonly reservationTtlSeconds: number;
  readonly maxOpenOrdersPerUser: number;
}

export type PricingOutcome =
  | { readonly ok: true; readonly lines: OrderLine[]; readonly totalCents: number; readonly currency: string }
  | { readonly ok: false; readonly reason: 'PRODUCT_NOT_FOUND' | 'INSUFFICIENT_STOCK' | 'MIXED_CURRENCY'; readonly productId: string }
  | { readonly ok: false; readonly reason: 'TOTAL_TOO_LARGE' | 'TOO_MANY_OPEN_ORDERS' };

/**
 * The order's status as the customer sees it: a PENDING order past its expiry is EXPIRED whether or
 * not the sweep has given its stock back yet (it will, once).
 */
export const visibleStatus = (status: OrderStatus, expiresAt: Date, now: Date): OrderStatus =>
  status === 'PENDING' && expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : status;

/**
 * Decides a new order: refused when the user already holds `maxOpenOrdersPerUser` unpaid, unexpired
 * orders (so one account cannot hold the whole catalog), else priced against the locked products.
 */
export function decideOrder(
  request: OrderRequest,
  products: ReadonlyMap<string, PricedProduct>,
  openOrders: number,
  limits: OrderLimits,
): PricingOutcome {
  if (openOrders >= limits.maxOpenOrdersPerUser) return { ok: false, reason: 'TOO_MANY_OPEN_ORDERS' };
  return priceOrder(request, products);
}

/**
 * What an Idempotency-Key retry must repeat to get the first order back: the items, in a canonical
 * order (the same lines listed differently are the same request).
 */
export const orderFingerprint = (request: OrderRequest): string =>
  JSON.stringify([...request.items].sort((a, b) => (a.productId < b.productId ? -1 : 1)).map((i) => [i.productId, i.quantity]));

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
