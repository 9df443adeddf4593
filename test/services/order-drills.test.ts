import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { decideOrder, orderFingerprint, visibleStatus } from '../../lambda/orders/domain.js';
import { pgOrders } from '../../lambda/orders/orders.js';
import { makeExpireOrders } from '../../lambda/orders/usecase.js';
import { buildPaymentsApp } from '../../lambda/payments/main.js';
import { SandboxProvider } from '../../lambda/payments/provider.js';
import { RedisCatalogInvalidation } from '#shared/catalog-cache.js';
import { type Database, databaseFromEnv } from '#shared/db.js';
import { call } from '../support/http.js';
import { addProduct, env, freshRedis, ordersOn, signUp, sleep, statusOf, stockOf } from './support.js';

let db: Database;
let redis: Redis;
let payments: Awaited<ReturnType<typeof buildPaymentsApp>>;
const provider = new SandboxProvider();

beforeAll(async () => {
  db = await databaseFromEnv({ ...env, DB_PORT: 5432, DB_SSL: 'disable' } as never);
  redis = await freshRedis();
  payments = await buildPaymentsApp(provider);
});
afterAll(async () => {
  redis.disconnect();
  await db.close();
});

const order = (app: ReturnType<typeof ordersOn>, token: string, productId: string, quantity = 1, key?: string) =>
  call(app, 'POST', '/orders', { token, body: { items: [{ productId, quantity }] }, headers: key ? { 'idempotency-key': key } : {} });
const pay = (token: string, orderId: string, card = 'tok_visa', key = `key-${randomUUID()}`) =>
  call(payments, 'POST', '/payments', { token, headers: { 'idempotency-key': key }, body: { orderId, paymentMethod: { token: card } } });

describe('domain rules (no I/O)', () => {
  const products = new Map([['a', { id: 'a', priceCents: 100, currency: 'USD', stock: 5 }]]);
  const request = { items: [{ productId: 'a', quantity: 1 }] };
  test('a PENDING order past its expiry shows EXPIRED; PAID stays PAID', () => {
    const past = new Date(Date.now() - 1);
    expect(visibleStatus('PENDING', past, new Date())).toBe('EXPIRED');
    expect(visibleStatus('PENDING', new Date(Date.now() + 60_000), new Date())).toBe('PENDING');
    expect(visibleStatus('PAID', past, new Date())).toBe('PAID');
  });
  test('the open-order cap refuses before pricing', () => {
    const limits = { reservationTtlSeconds: 60, maxOpenOrdersPerUser: 2 };
    expect(decideOrder(request, products, 1, limits)).toMatchObject({ ok: true });
    expect(decideOrder(request, products, 2, limits)).toEqual({ ok: false, reason: 'TOO_MANY_OPEN_ORDERS' });
  });
  test('the fingerprint does not depend on the order of the lines', () => {
    const a = {
      items: [
        { productId: 'x', quantity: 1 },
        { productId: 'y', quantity: 2 },
      ],
    };
    const b = {
      items: [
        { productId: 'y', quantity: 2 },
        { productId: 'x', quantity: 1 },
      ],
    };
    expect(orderFingerprint(a)).toBe(orderFingerprint(b));
    expect(orderFingerprint(a)).not.toBe(orderFingerprint({ items: [{ productId: 'x', quantity: 2 }] }));
  });
});

describe('drill 1: reservations expire', () => {
  test('past its TTL an unpaid order shows EXPIRED, is 409 ORDER_NOT_PAYABLE, and concurrent sweeps give its stock back once', async () => {
    const app = ordersOn(db, redis, { reservationTtlSeconds: 1, maxOpenOrdersPerUser: 100 });
    const { token } = await signUp();
    const productId = await addProduct(db, 10);
    const created = await order(app, token, productId, 3);
    expect(created.status).toBe(201);
    expect(new Date(created.body.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(1_000);
    expect(await stockOf(db, productId)).toBe(7);

    await sleep(1_100);
    // Before any sweep: the customer already sees EXPIRED, and the order cannot be paid.
    expect((await call(app, 'GET', `/orders/${created.body.orderId}`, { token })).body.status).toBe('EXPIRED');
    const late = await pay(token, created.body.orderId);
    expect([late.status, late.body.error.code]).toEqual([409, 'ORDER_NOT_PAYABLE']);
    expect(provider.charges.filter((c) => c.idempotencyKey.startsWith(created.body.orderId))).toHaveLength(0);

    // Five containers' scheduled sweeps and a new order's sweep, all at once: the stock comes back once.
    const sweeps = Array.from({ length: 5 }, () =>
      makeExpireOrders({ orders: pgOrders(db), catalog: new RedisCatalogInvalidation(redis) })(25),
    );
    const other = await signUp();
    const [, ...rest] = await Promise.all([order(app, other.token, await addProduct(db, 1)), ...sweeps]);
    expect(rest.every((n) => typeof n === 'number')).toBe(true);
    expect(await stockOf(db, productId)).toBe(10);
    expect(await statusOf(db, created.body.orderId)).toBe('EXPIRED');
    await makeExpireOrders({ orders: pgOrders(db), catalog: new RedisCatalogInvalidation(redis) })(25);
    expect(await stockOf(db, productId)).toBe(10);
  });

  test('a declined payment keeps the reservation until it expires; then the stock is back', async () => {
    const app = ordersOn(db, redis, { reservationTtlSeconds: 2, maxOpenOrdersPerUser: 100 });
    const { token } = await signUp();
    const productId = await addProduct(db, 5);
    const created = await order(app, token, productId, 2);
    const declined = await pay(token, created.body.orderId, 'tok_decline');
    expect(declined.status).toBe(402);
    expect(await stockOf(db, productId)).toBe(3);
    expect((await call(app, 'GET', `/orders/${created.body.orderId}`, { token })).body.status).toBe('PENDING');
    await sleep(2_100);
    await makeExpireOrders({ orders: pgOrders(db), catalog: new RedisCatalogInvalidation(redis) })();
    expect(await stockOf(db, productId)).toBe(5);
    expect((await call(app, 'GET', `/orders/${created.body.orderId}`, { token })).body.status).toBe('EXPIRED');
  });

  test('a charge in flight when the TTL runs out holds the order: the sweep skips it, the payment lands, the stock stays sold', async () => {
    const app = ordersOn(db, redis, { reservationTtlSeconds: 1, maxOpenOrdersPerUser: 100 });
    const { token } = await signUp();
    const productId = await addProduct(db, 4);
    const created = await order(app, token, productId, 1);
    // The provider answers after the reservation has run out.
    const slow = await buildPaymentsApp({
      charge: async (request, signal) => (await sleep(1_500), provider.charge(request, signal)),
      refund: (ref) => provider.refund(ref),
    });
    const paying = call(slow, 'POST', '/payments', {
      token,
      headers: { 'idempotency-key': `key-${randomUUID()}` },
      body: { orderId: created.body.orderId, paymentMethod: { token: 'tok_visa' } },
    });
    await sleep(1_200);
    await makeExpireOrders({ orders: pgOrders(db), catalog: new RedisCatalogInvalidation(redis) })();
    expect(await statusOf(db, created.body.orderId)).toBe('PENDING');
    expect((await paying).status).toBe(201);
    expect(await statusOf(db, created.body.orderId)).toBe('PAID');
    expect(await stockOf(db, productId)).toBe(3);
  });
});

describe('drill 2: open orders are capped per user', () => {
  test('the next order past the cap is 409 TOO_MANY_OPEN_ORDERS, even when the user sends them all at once', async () => {
    const app = ordersOn(db, redis, { reservationTtlSeconds: 900, maxOpenOrdersPerUser: 3 });
    const { token } = await signUp();
    const productId = await addProduct(db, 100);
    const results = await Promise.all(Array.from({ length: 8 }, () => order(app, token, productId)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(5);
    expect(refused.every((r) => r.body.error.code === 'TOO_MANY_OPEN_ORDERS')).toBe(true);
    expect(await stockOf(db, productId)).toBe(97);
    // A paid order is no longer open: the user may order again.
    const first = results.find((r) => r.status === 201)!;
    expect((await pay(token, first.body.orderId)).status).toBe(201);
    expect((await order(app, token, productId)).status).toBe(201);
    expect((await order(app, token, productId)).status).toBe(409);
  });
});

describe('drill 3: order creation is retry-safe', () => {
  test('retries with one Idempotency-Key and body, sequential and concurrent, return the first order and reserve once', async () => {
    const app = ordersOn(db, redis, { reservationTtlSeconds: 900, maxOpenOrdersPerUser: 100 });
    const { token } = await signUp();
    const productId = await addProduct(db, 50);
    const key = `ord-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 6 }, () => order(app, token, productId, 2, key)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(results.map((r) => r.body.orderId)).size).toBe(1);
    const again = await order(app, token, productId, 2, key);
    expect(again.body).toEqual(results[0].body);
    expect(await stockOf(db, productId)).toBe(48);

    const reused = await order(app, token, productId, 3, key);
    expect([reused.status, reused.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    const bad = await order(app, token, productId, 1, 'short');
    expect([bad.status, bad.body.error.details[0].field]).toEqual([400, 'Idempotency-Key']);
  });

  test('work after the commit fails (no WAL position, no Redis): the order is still a 201, and is read back at once', async () => {
    const down = await freshRedis(1);
    const real = pgOrders(db);
    const failing = {
      ...real,
      writePosition: async () => {
        throw new Error('connection lost after the commit');
      },
    };
    const app = ordersOn(db, down, { reservationTtlSeconds: 900, maxOpenOrdersPerUser: 100 }, failing);
    const { token } = await signUp();
    const created = await order(app, token, await addProduct(db, 5));
    expect(created.status).toBe(201);
    const read = await call(app, 'GET', `/orders/${created.body.orderId}`, { token });
    expect(read.body).toEqual(created.body);
    down.disconnect();
  });
});

describe('drill 4: stock and items are written set-based', () => {
  const wrapped = new WeakSet<object>();
  const counter = { statements: 0, counting: false };
  /** Counts the statements one order's transaction sends. */
  async function statementsFor(lines: number): Promise<number> {
    const app = ordersOn(db, redis, { reservationTtlSeconds: 900, maxOpenOrdersPerUser: 100 });
    const { token } = await signUp();
    const ids = await Promise.all(Array.from({ length: lines }, () => addProduct(db, 10)));
    const connect = db.writer.connect.bind(db.writer);
    // Transactions check out a client (`connect()`); pool.query passes a callback and is not counted.
    // Pooled clients come back: each is wrapped once, and counts while this drill runs.
    db.writer.connect = ((callback?: unknown) => {
      if (callback) return connect(callback as never);
      return connect().then((client) => {
        if (!wrapped.has(client)) {
          wrapped.add(client);
          const query = client.query.bind(client);
          client.query = ((...args: unknown[]) => (counter.counting && counter.statements++, query(...(args as [string])))) as never;
        }
        return client;
      });
    }) as never;
    counter.statements = 0;
    counter.counting = true;
    try {
      const res = await call(app, 'POST', '/orders', { token, body: { items: ids.map((productId) => ({ productId, quantity: 1 })) } });
      expect(res.status).toBe(201);
    } finally {
      counter.counting = false;
      db.writer.connect = connect as never;
    }
    return counter.statements;
  }

  test('an order of 25 lines sends as many statements as an order of 1', async () => {
    const one = await statementsFor(1);
    const many = await statementsFor(25);
    expect(many).toBe(one);
    // BEGIN, user lock, open count, product lock, order, stock, items, COMMIT, plus the sweep's transaction.
    expect(one).toBeLessThanOrEqual(12);
  });
});
