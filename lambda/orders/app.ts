import { isUuid } from '#shared/ids.js';
import { AppError, conflict, notFound, validationError } from '#shared/errors.js';
import type { CatalogInvalidation } from '#shared/catalog-cache.js';
import { addHealth } from '#shared/health.js';
import { createApp, jsonBody } from '#shared/http.js';
import { requireUser, type SignedInVariables } from '#shared/auth-middleware.js';
import type { RecentWrites } from '#shared/recent-writes.js';
import type { TokenIssuer } from '#shared/tokens.js';
import { Hono } from 'hono';
import { createOrderSchema, MAX_TOTAL_CENTS, priceOrder } from './domain.js';
import type { OrderRepository } from './orders.js';

export interface OrdersDeps {
  readonly orders: OrderRepository;
  readonly tokens: TokenIssuer;
  readonly recentWrites: RecentWrites;
  /** Stock changes with every order, so the catalog's cached products must go. */
  readonly catalog: CatalogInvalidation;
  readonly ping: () => Promise<unknown>;
}

export const orderEntity = (orderId: string): string => `order:${orderId}`;

export function ordersApp({ orders, tokens, recentWrites, catalog, ping }: OrdersDeps) {
  const app = createApp();
  addHealth(app, { database: ping });
  const signedIn = new Hono<{ Variables: SignedInVariables }>();
  signedIn.use('*', requireUser(tokens));

  signedIn.post('/', async (c) => {
    const request = await jsonBody(c, createOrderSchema);
    const malformed = request.items.findIndex((i) => !isUuid(i.productId));
    if (malformed >= 0) throw notFound('PRODUCT_NOT_FOUND', `No product ${request.items[malformed].productId}`);
    const { outcome, order } = await orders.create(
      c.get('userId'),
      request.items.map((i) => i.productId),
      (products) => priceOrder(request, products),
    );
    if (!outcome.ok) {
      if (outcome.reason === 'TOTAL_TOO_LARGE')
        throw validationError([{ field: 'items', problem: `the total exceeds ${MAX_TOTAL_CENTS} cents: split the order` }]);
      if (outcome.reason === 'PRODUCT_NOT_FOUND') throw notFound('PRODUCT_NOT_FOUND', `No product ${outcome.productId}`);
      if (outcome.reason === 'INSUFFICIENT_STOCK') throw conflict('INSUFFICIENT_STOCK', `Not enough stock of ${outcome.productId}`);
      throw new AppError(400, 'MIXED_CURRENCY', 'All items of an order must share one currency', [
        { field: 'items', problem: `${outcome.productId} is priced in another currency` },
      ]);
    }
    await recentWrites.record(orderEntity(order!.orderId), await orders.writePosition());
    await catalog.productsChanged(order!.items.map((i) => i.productId));
    return c.json(order, 201);
  });

  signedIn.get('/:id', async (c) => {
    const id = c.req.param('id').toLowerCase();
    const missing = () => notFound('ORDER_NOT_FOUND', `No order ${id}`);
    if (!isUuid(id)) throw missing();
    const position = await recentWrites.position(orderEntity(id));
    const { order, readFrom } = await orders.get(c.get('userId'), id, position === 'unknown' ? 'primary' : position);
    if (!order) throw missing();
    c.header('x-read-from', readFrom);
    return c.json(order);
  });

  app.route('/orders', signedIn);
  return app;
}
