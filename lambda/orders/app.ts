import { isUuid } from '#shared/ids.js';
import { AppError, validationError } from '#shared/errors.js';
import { addHealth } from '#shared/health.js';
import { createApp, jsonBody } from '#shared/http.js';
import { requireUser, type SignedInVariables } from '#shared/auth-middleware.js';
import { idempotencyKeyOf } from '#shared/idempotency-key.js';
import { orderEntity } from '#shared/recent-writes.js';
import type { TokenIssuer } from '#shared/tokens.js';
import { Hono } from 'hono/tiny';
import { newOrderSchema } from '../../contract/orders.js';
import { MAX_TOTAL_CENTS, type PricingOutcome } from './domain.js';
import { makeCreateOrder, type OrderDeps } from './usecase.js';

export interface OrdersDeps extends OrderDeps {
  readonly tokens: TokenIssuer;
  readonly ping: () => Promise<unknown>;
}

function refusal(outcome: Exclude<PricingOutcome, { ok: true }>, maxOpen: number): AppError {
  switch (outcome.reason) {
    case 'TOTAL_TOO_LARGE':
      return validationError([{ field: 'items', problem: `the total exceeds ${MAX_TOTAL_CENTS} cents: split the order` }]);
    case 'TOO_MANY_OPEN_ORDERS':
      return new AppError('TOO_MANY_OPEN_ORDERS', `At most ${maxOpen} unpaid orders at a time: pay or let one expire first`);
    case 'PRODUCT_NOT_FOUND':
      return new AppError('PRODUCT_NOT_FOUND', `No product ${outcome.productId}`);
    case 'INSUFFICIENT_STOCK':
      return new AppError('INSUFFICIENT_STOCK', `Not enough stock of ${outcome.productId}`);
    case 'MIXED_CURRENCY':
      return new AppError('MIXED_CURRENCY', 'All items of an order must share one currency', [
        { field: 'items', problem: `${outcome.productId} is priced in another currency` },
      ]);
  }
}

export function ordersApp(deps: OrdersDeps) {
  const { orders, tokens, recentWrites, ping, limits } = deps;
  const createOrder = makeCreateOrder(deps);
  const app = createApp();
  addHealth(app, { database: ping });
  const signedIn = new Hono<{ Variables: SignedInVariables }>();
  signedIn.use('*', requireUser(tokens));

  signedIn.post('/', async (c) => {
    const key = idempotencyKeyOf(c, false);
    const request = await jsonBody(c, newOrderSchema);
    const malformed = request.items.findIndex((i) => !isUuid(i.productId));
    if (malformed >= 0) throw new AppError('PRODUCT_NOT_FOUND', `No product ${request.items[malformed].productId}`);
    const result = await createOrder(c.get('userId'), request, key);
    if (result.kind === 'key-reused') {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with another request body');
    }
    if (result.kind === 'refused') throw refusal(result.outcome, limits.maxOpenOrdersPerUser);
    return c.json(result.order, 201);
  });

  signedIn.get('/:id', async (c) => {
    const id = c.req.param('id').toLowerCase();
    const missing = () => new AppError('ORDER_NOT_FOUND', `No order ${id}`);
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
