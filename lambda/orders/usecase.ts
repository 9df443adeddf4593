import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CatalogInvalidation } from '#shared/catalog-cache.js';
import { logger, metrics } from '#shared/observability.js';
import { orderEntity, type RecentWrites } from '#shared/recent-writes.js';
import { decideOrder, type OrderLimits, type OrderRequest, orderFingerprint } from './domain.js';
import type { CreateResult, OrderRepository } from './orders.js';

export interface OrderDeps {
  readonly orders: OrderRepository;
  readonly recentWrites: RecentWrites;
  /** Stock changes with every order and every expiry, so the catalog's cached copies must go. */
  readonly catalog: CatalogInvalidation;
  readonly limits: OrderLimits;
}

/** Orders one sweep pass gives back at most; the scheduled sweep repeats passes, a write does one. */
export const SWEEP_BATCH = 200;

/**
 * Gives back the stock of unpaid orders past their expiry (each once, see `expireDue`) and tells the
 * catalog. Runs every minute from a schedule and before each new order, so stock comes back in
 * every stage even where schedules do not run.
 */
export function makeExpireOrders({ orders, catalog }: Pick<OrderDeps, 'orders' | 'catalog'>) {
  return async function expireOrders(batches = 1): Promise<number> {
    let expired = 0;
    for (let i = 0; i < batches; i++) {
      const { orderIds, productIds } = await orders.expireDue(SWEEP_BATCH);
      expired += orderIds.length;
      if (productIds.length > 0) await catalog.productsChanged(productIds, () => orders.writePosition());
      if (orderIds.length < SWEEP_BATCH) break;
    }
    if (expired > 0) {
      metrics.addMetric('OrdersExpired', MetricUnit.Count, expired);
      logger.info('orders expired, stock returned', { expired });
    }
    return expired;
  };
}

/**
 * Places an order (or returns the one its Idempotency-Key already placed). The work after the
 * commit (read-your-writes marker, catalog invalidation) never throws: a created order is a 201.
 */
export function makeCreateOrder(deps: OrderDeps) {
  const expireOrders = makeExpireOrders(deps);
  return async function createOrder(userId: string, request: OrderRequest, idempotencyKey?: string): Promise<CreateResult> {
    // Stock held by expired orders is back before this order is priced. A failed sweep only delays that.
    await expireOrders().catch((err: Error) => logger.warn('order sweep before a new order failed', { err: err.message }));
    const result = await deps.orders.create(
      {
        userId,
        productIds: request.items.map((i) => i.productId),
        idempotency: idempotencyKey ? { key: idempotencyKey, fingerprint: orderFingerprint(request) } : undefined,
        reservationTtlSeconds: deps.limits.reservationTtlSeconds,
      },
      (products, openOrders) => decideOrder(request, products, openOrders, deps.limits),
    );
    if (result.kind !== 'created') return result;
    let written: Promise<string> | undefined;
    const position = () => (written ??= deps.orders.writePosition());
    await deps.recentWrites.record(orderEntity(result.order.orderId), position);
    await deps.catalog.productsChanged(
      result.order.items.map((i) => i.productId),
      position,
    );
    return result;
  };
}
