import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { buildAuthApp } from '../../lambda/auth/main.js';
import { ordersApp } from '../../lambda/orders/app.js';
import { newOrderSchema } from '../../contract/orders.js';
import { priceOrder } from '../../lambda/orders/domain.js';
import { pgOrders } from '../../lambda/orders/orders.js';
import { buildOrdersApp } from '../../lambda/orders/main.js';
import { catalogApp } from '../../lambda/catalog/app.js';
import { ReadThroughCache } from '../../lambda/catalog/cache.js';
import { pgProducts } from '../../lambda/catalog/products.js';
import { encodeCursor } from '../../lambda/catalog/domain.js';
import { RedisCatalogInvalidation } from '#shared/catalog-cache.js';
import { Database, databaseFromEnv } from '#shared/db.js';
import { connectRedis, createRedis } from '#shared/redis.js';
import { RecentWrites } from '#shared/recent-writes.js';
import { secretCredentials } from '#shared/secrets.js';
import { tokenIssuerFromEnv } from '#shared/tokens.js';
import { call, hopsOf } from '../support/http.js';
import { StreamingReplica } from '../support/replica.js';
import { ordersOn } from './support.js';

const env = process.env as Record<string, string>;
/** Generous: these tests are not about the cap (the drills are). */
const LIMITS = { reservationTtlSeconds: 900, maxOpenOrdersPerUser: 1000 };
let db: Database;
let app: Awaited<ReturnType<typeof buildOrdersApp>>;
let token: string;
let otherToken: string;
const product = { cheap: '', scarce: '' };

async function signUp(): Promise<string> {
  const auth = await buildAuthApp();
  const email = `buyer-${randomUUID()}@example.com`;
  await call(auth, 'POST', '/auth/register', { body: { email, password: 'correct horse' } });
  return (await call(auth, 'POST', '/auth/login', { body: { email, password: 'correct horse' } })).body.token;
}

async function addProduct(priceCents: number, stock: number, currency = 'USD'): Promise<string> {
  const { rows } = await db.writer.query<{ id: string }>(
    "INSERT INTO products (sku, name, price_cents, currency, stock) VALUES ($1, 'Test item', $2, $3, $4) RETURNING id",
    [`ord-${randomUUID()}`, priceCents, currency, stock],
  );
  return rows[0].id;
}

/** The catalog page (of 5) that holds a product: it starts right after the product before it. */
async function pageHolding(id: string): Promise<string> {
  const { rows } = await db.writer.query<{ prev: string }>('SELECT id::text AS prev FROM products WHERE id < $1 ORDER BY id DESC LIMIT 1', [
    id,
  ]);
  return `/products?limit=5${rows[0] ? `&cursor=${encodeCursor(rows[0].prev)}` : ''}`;
}

beforeAll(async () => {
  db = await databaseFromEnv({ ...env, DB_PORT: 5432, DB_SSL: 'disable' } as never);
  app = await buildOrdersApp();
  [token, otherToken] = await Promise.all([signUp(), signUp()]);
  product.cheap = await addProduct(250, 100);
  product.scarce = await addProduct(1000, 2);
});
afterAll(() => db.close());

describe('pricing (domain, no I/O)', () => {
  const products = new Map([
    ['a', { id: 'a', priceCents: 250, currency: 'USD', stock: 5 }],
    ['b', { id: 'b', priceCents: 100, currency: 'EUR', stock: 5 }],
  ]);
  test('totals quantity times unit price', () => {
    expect(priceOrder({ items: [{ productId: 'a', quantity: 3 }] }, products)).toEqual({
      ok: true,
      totalCents: 750,
      currency: 'USD',
      lines: [{ productId: 'a', quantity: 3, unitPriceCents: 250 }],
    });
  });
  test('refuses missing products, short stock and mixed currencies', () => {
    expect(priceOrder({ items: [{ productId: 'x', quantity: 1 }] }, products)).toMatchObject({ ok: false, reason: 'PRODUCT_NOT_FOUND' });
    expect(priceOrder({ items: [{ productId: 'a', quantity: 6 }] }, products)).toMatchObject({ ok: false, reason: 'INSUFFICIENT_STOCK' });
    expect(
      priceOrder(
        {
          items: [
            { productId: 'a', quantity: 1 },
            { productId: 'b', quantity: 1 },
          ],
        },
        products,
      ),
    ).toMatchObject({ ok: false, reason: 'MIXED_CURRENCY' });
  });
  test('the request schema refuses empty lists and non-integer quantities', () => {
    expect(newOrderSchema.safeParse({ items: [] }).success).toBe(false);
    expect(newOrderSchema.safeParse({ items: [{ productId: 'a', quantity: 1.5 }] }).success).toBe(false);
  });
});

describe('POST /orders', () => {
  test('201 PENDING with its total, a product listed twice as one line, and the stock is decremented', async () => {
    // Listed twice (in two letter cases), the product is one line of 4.
    const items = [
      { productId: product.cheap, quantity: 3 },
      { productId: product.cheap.toUpperCase(), quantity: 1 },
    ];
    const res = await call(app, 'POST', '/orders', { token, body: { items } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'PENDING',
      totalCents: 1000,
      currency: 'USD',
      items: [{ productId: product.cheap, quantity: 4, unitPriceCents: 250 }],
    });
    const { rows } = await db.writer.query('SELECT stock FROM products WHERE id = $1', [product.cheap]);
    expect(rows[0].stock).toBe(96);
  });

  test('401 without a token and with a bad one', async () => {
    expect((await call(app, 'POST', '/orders', { body: { items: [] } })).status).toBe(401);
    const bad = await call(app, 'POST', '/orders', { token: 'not.a.token', body: { items: [] } });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('UNAUTHORIZED');
  });

  test.each([
    ['empty items', { items: [] }, 'items'],
    ['a zero quantity', { items: [{ productId: randomUUID(), quantity: 0 }] }, 'items.0.quantity'],
    ['a fractional quantity', { items: [{ productId: randomUUID(), quantity: 1.5 }] }, 'items.0.quantity'],
    ['a wrongly typed body', { items: 'all of them' }, 'items'],
  ])('400 for %s, naming the field', async (_, body, field) => {
    const res = await call(app, 'POST', '/orders', { token, body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  test('404 PRODUCT_NOT_FOUND, and nothing is written', async () => {
    const res = await call(app, 'POST', '/orders', {
      token,
      body: {
        items: [
          { productId: product.cheap, quantity: 1 },
          { productId: randomUUID(), quantity: 1 },
        ],
      },
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('PRODUCT_NOT_FOUND');
    const { rows } = await db.writer.query('SELECT stock FROM products WHERE id = $1', [product.cheap]);
    expect(rows[0].stock).toBe(96);
  });

  test('400 VALIDATION_FAILED naming items when the total is too large to store, and nothing is written', async () => {
    const pricey = [await addProduct(1_000_000_000, 5), await addProduct(1_000_000_000, 5), await addProduct(1_000_000_000, 5)];
    const res = await call(app, 'POST', '/orders', { token, body: { items: pricey.map((productId) => ({ productId, quantity: 1 })) } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['items']);
    const { rows } = await db.writer.query('SELECT stock FROM products WHERE id = ANY($1::uuid[])', [pricey]);
    expect(rows.map((r) => r.stock)).toEqual([5, 5, 5]);
  });

  test('409 INSUFFICIENT_STOCK; concurrent orders never oversell', async () => {
    const res = await call(app, 'POST', '/orders', { token, body: { items: [{ productId: product.scarce, quantity: 3 }] } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('INSUFFICIENT_STOCK');
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () =>
        call(app, 'POST', '/orders', { token, body: { items: [{ productId: product.scarce, quantity: 1 }] } }),
      ),
    );
    expect(attempts.filter((a) => a.status === 201)).toHaveLength(2);
    expect(attempts.filter((a) => a.status === 409)).toHaveLength(3);
  });
});

describe('upper-case ids', () => {
  test('an order of an existing product named in upper case is placed, and read back by an upper-case id', async () => {
    const created = await call(app, 'POST', '/orders', {
      token,
      body: { items: [{ productId: product.cheap.toUpperCase(), quantity: 1 }] },
    });
    expect(created.status).toBe(201);
    expect(created.body.items[0].productId).toBe(product.cheap);
    const read = await call(app, 'GET', `/orders/${created.body.orderId.toUpperCase()}`, { token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });
});

describe('GET /orders/{id}', () => {
  test("200 for the owner; 404 ORDER_NOT_FOUND for another user's, an unknown and a malformed id", async () => {
    const created = await call(app, 'POST', '/orders', { token, body: { items: [{ productId: product.cheap, quantity: 1 }] } });
    const mine = await call(app, 'GET', `/orders/${created.body.orderId}`, { token });
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual(created.body);
    for (const [id, who] of [
      [created.body.orderId, otherToken],
      [randomUUID(), token],
      ['nope', token],
    ]) {
      const res = await call(app, 'GET', `/orders/${id}`, { token: who });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('ORDER_NOT_FOUND');
    }
  });
});

describe('read/write split against a real streaming replica', () => {
  const replica = new StreamingReplica();
  let split: Awaited<ReturnType<typeof buildOrdersApp>>;
  let splitDb: Database;
  let redis: Redis;

  beforeAll(async () => {
    replica.start();
    await replica.catchUp(env.DB_NAME, db.writer);
    splitDb = await Database.open({
      writerHost: '127.0.0.1',
      readerHosts: [`127.0.0.1:${replica.port}`],
      port: 5432,
      database: env.DB_NAME,
      ssl: false,
      credentials: () => secretCredentials(env.DB_SECRET_ARN),
    });
    redis = new Redis({ host: '127.0.0.1', port: 6379, keyPrefix: `t:${randomUUID()}:` });
    split = ordersApp({
      orders: pgOrders(splitDb),
      tokens: tokenIssuerFromEnv(env as never),
      recentWrites: new RecentWrites(redis),
      catalog: new RedisCatalogInvalidation(redis),
      limits: LIMITS,
      ping: () => splitDb.ping(),
    });
  }, 120_000);
  afterAll(async () => {
    // The replica first: a failed set-up must not leave its cluster running.
    replica.destroy();
    await splitDb?.close();
    redis?.disconnect();
  });

  /** Runs `fn` with the replica's replay paused: a real, growing lag. */
  async function whileLagging(fn: () => Promise<void>): Promise<void> {
    await replica.sql(env.DB_NAME, 'SELECT pg_wal_replay_pause()');
    try {
      await fn();
    } finally {
      await replica.sql(env.DB_NAME, 'SELECT pg_wal_replay_resume()');
    }
  }

  test('an order just created is read from the primary while the replica lags; once paid and replayed, from the replica', async () => {
    await replica.sql(env.DB_NAME, 'SELECT pg_wal_replay_pause()');
    try {
      const created = await call(split, 'POST', '/orders', { token, body: { items: [{ productId: product.cheap, quantity: 1 }] } });
      expect(created.status).toBe(201);
      // The lag is real: the replica does not have the order.
      expect(await replica.sql(env.DB_NAME, 'SELECT id FROM orders WHERE id = $1', [created.body.orderId])).toEqual([]);
      const read = await call(split, 'GET', `/orders/${created.body.orderId}`, { token });
      expect(read.status).toBe(200);
      expect(read.headers.get('x-read-from')).toBe('primary');
      // The journey says why: the marker names a position the lagging replica has not replayed.
      expect(hopsOf(read.headers)).toEqual(['marker:read', 'db:replica-behind', 'db:primary', 'app']);
      expect(read.body.orderId).toBe(created.body.orderId);

      await replica.sql(env.DB_NAME, 'SELECT pg_wal_replay_resume()');
      await replica.catchUp(env.DB_NAME, db.writer);
      // Caught up, but PENDING: a state a later write may have left, so the primary confirms it.
      expect((await call(split, 'GET', `/orders/${created.body.orderId}`, { token })).headers.get('x-read-from')).toBe('primary');
      await db.writer.query("UPDATE orders SET status = 'PAID' WHERE id = $1", [created.body.orderId]);
      await replica.catchUp(env.DB_NAME, db.writer);
      const later = await call(split, 'GET', `/orders/${created.body.orderId}`, { token });
      expect([later.status, later.body.status]).toEqual([200, 'PAID']);
      expect(later.headers.get('x-read-from')).toBe('replica');
      expect(hopsOf(later.headers)).toEqual(['marker:read', 'db:replica', 'app']);
    } finally {
      await replica.sql(env.DB_NAME, 'SELECT pg_wal_replay_resume()');
    }
  });

  test('with two readers, an order just created is never read from the one that lags', async () => {
    // Reader A is the real replica, paused; reader B is caught up (the primary's address used as a
    // reader). Round robin must not check B and then read from A.
    const twoReaders = await Database.open({
      writerHost: '127.0.0.1',
      readerHosts: [`127.0.0.1:${replica.port}`, '127.0.0.1:5432'],
      port: 5432,
      database: env.DB_NAME,
      ssl: false,
      credentials: () => secretCredentials(env.DB_SECRET_ARN),
    });
    const app2 = ordersApp({
      orders: pgOrders(twoReaders),
      tokens: tokenIssuerFromEnv(env as never),
      recentWrites: new RecentWrites(redis),
      catalog: new RedisCatalogInvalidation(redis),
      limits: LIMITS,
      ping: () => twoReaders.ping(),
    });
    await replica.sql(env.DB_NAME, 'SELECT pg_wal_replay_pause()');
    try {
      const created = await call(app2, 'POST', '/orders', { token, body: { items: [{ productId: product.cheap, quantity: 1 }] } });
      expect(created.status).toBe(201);
      expect(await replica.sql(env.DB_NAME, 'SELECT id FROM orders WHERE id = $1', [created.body.orderId])).toEqual([]);
      const reads = [];
      for (let i = 0; i < 6; i++) reads.push(await call(app2, 'GET', `/orders/${created.body.orderId}`, { token }));
      expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      for (const r of reads) expect(r.body).toEqual(created.body);
    } finally {
      await replica.sql(env.DB_NAME, 'SELECT pg_wal_replay_resume()');
      await twoReaders.close();
    }
  });

  test('drill 3: the marker write fails (Redis up): the order just created is not missing, though the replica lags', async () => {
    const real = pgOrders(splitDb);
    const noPosition = {
      ...real,
      writePosition: async () => {
        throw new Error('connection lost after the commit');
      },
    };
    const app = ordersOn(splitDb, redis, LIMITS, noPosition);
    await whileLagging(async () => {
      const created = await call(app, 'POST', '/orders', { token, body: { items: [{ productId: product.cheap, quantity: 1 }] } });
      expect(created.status).toBe(201);
      expect(await redis.get(`ryw:order:${created.body.orderId}`)).toBeNull();
      const read = await call(app, 'GET', `/orders/${created.body.orderId}`, { token });
      expect([read.status, read.headers.get('x-read-from')]).toEqual([200, 'primary']);
      expect(read.body).toEqual(created.body);
    });
  });

  test('drill 9: a payment whose marker was lost, the replica lagging: the order reads PAID right after, never PENDING', async () => {
    const created = await call(split, 'POST', '/orders', { token, body: { items: [{ productId: product.cheap, quantity: 1 }] } });
    await replica.catchUp(env.DB_NAME, db.writer);
    await redis.del(`ryw:order:${created.body.orderId}`);
    await whileLagging(async () => {
      // The payment's commit, with no read-your-writes marker after it (Redis failed for its container only).
      await db.writer.query("UPDATE orders SET status = 'PAID', updated_at = now() WHERE id = $1", [created.body.orderId]);
      expect(await replica.sql(env.DB_NAME, 'SELECT status FROM orders WHERE id = $1', [created.body.orderId])).toEqual([
        { status: 'PENDING' },
      ]);
      const read = await call(split, 'GET', `/orders/${created.body.orderId}`, { token });
      expect([read.status, read.body.status, read.headers.get('x-read-from')]).toEqual([200, 'PAID', 'primary']);
    });
  });

  test('drill 8: after an order, the catalog never caches the stock the lagging replica still has', async () => {
    const id = await addProduct(300, 10);
    await replica.catchUp(env.DB_NAME, db.writer);
    const catalog = catalogApp({ products: pgProducts(splitDb), cache: new ReadThroughCache(redis, 60), ping: () => splitDb.ping() });
    const page = await pageHolding(id);
    const stockIn = (res: { body: { items: { id: string; stock: number }[] } }) => res.body.items.find((p) => p.id === id)!.stock;
    await call(catalog, 'GET', `/products/${id}`);
    await call(catalog, 'GET', page);
    const warm = await call(catalog, 'GET', `/products/${id}`);
    expect([warm.headers.get('x-cache'), warm.body.stock]).toEqual(['hit', 10]);

    await whileLagging(async () => {
      const created = await call(split, 'POST', '/orders', { token, body: { items: [{ productId: id, quantity: 3 }] } });
      expect(created.status).toBe(201);
      // The lag is real: the replica still has the old stock.
      expect(await replica.sql(env.DB_NAME, 'SELECT stock FROM products WHERE id = $1', [id])).toEqual([{ stock: 10 }]);
      const after = await call(catalog, 'GET', `/products/${id}`);
      expect([after.headers.get('x-cache'), after.body.stock]).toEqual(['miss', 7]);
      const cached = await call(catalog, 'GET', `/products/${id}`);
      expect([cached.headers.get('x-cache'), cached.body.stock]).toEqual(['hit', 7]);
      expect(stockIn(await call(catalog, 'GET', page))).toBe(7);
      expect(stockIn(await call(catalog, 'GET', page))).toBe(7);
    });
  });

  test('reads fall back to the primary when the replica is stopped', async () => {
    const created = await call(split, 'POST', '/orders', { token, body: { items: [{ productId: product.cheap, quantity: 1 }] } });
    await replica.catchUp(env.DB_NAME, db.writer);
    // No recent-write marker: this read goes to a replica, which is down.
    await redis.del(`ryw:order:${created.body.orderId}`);
    replica.stop();
    const read = await call(split, 'GET', `/orders/${created.body.orderId}`, { token });
    expect(read.status).toBe(200);
    expect(read.body.orderId).toBe(created.body.orderId);
  });
});

describe('the catalog cache after an order', () => {
  const redisAt = (port: number, keyPrefix: string) => connectRedis(createRedis({ host: '127.0.0.1', port, tls: false, keyPrefix }));

  test('GET /products/{id} shows the stock an order took, though it was cached', async () => {
    const redis = await redisAt(6379, `t:${randomUUID()}:`);
    try {
      const catalog = catalogApp({ products: pgProducts(db), cache: new ReadThroughCache(redis, 60), ping: () => db.ping() });
      const orders = ordersApp({
        orders: pgOrders(db),
        tokens: tokenIssuerFromEnv(env as never),
        recentWrites: new RecentWrites(redis),
        catalog: new RedisCatalogInvalidation(redis),
        limits: LIMITS,
        ping: () => db.ping(),
      });
      const id = await addProduct(300, 10);
      await call(catalog, 'GET', `/products/${id}`);
      const warm = await call(catalog, 'GET', `/products/${id}`);
      expect([warm.headers.get('x-cache'), warm.body.stock]).toEqual(['hit', 10]);
      const page = await pageHolding(id);
      await call(catalog, 'GET', page);
      expect((await call(catalog, 'GET', page)).headers.get('x-cache')).toBe('hit');

      const created = await call(orders, 'POST', '/orders', { token, body: { items: [{ productId: id, quantity: 3 }] } });
      expect(created.status).toBe(201);

      const after = await call(catalog, 'GET', `/products/${id}`);
      expect([after.headers.get('x-cache'), after.body.stock]).toEqual(['miss', 7]);
      // The page holding it went too.
      const pageAfter = await call(catalog, 'GET', page);
      expect(pageAfter.headers.get('x-cache')).toBe('miss');
      expect(pageAfter.body.items.find((p: { id: string }) => p.id === id).stock).toBe(7);
    } finally {
      redis.disconnect();
    }
  });

  test('with Redis down the order still succeeds; the failed invalidation is counted', async () => {
    const down = await redisAt(1, 'unused:');
    const invalidation = new RedisCatalogInvalidation(down);
    const orders = ordersApp({
      orders: pgOrders(db),
      tokens: tokenIssuerFromEnv(env as never),
      recentWrites: new RecentWrites(down),
      catalog: invalidation,
      limits: LIMITS,
      ping: () => db.ping(),
    });
    try {
      const created = await call(orders, 'POST', '/orders', { token, body: { items: [{ productId: product.cheap, quantity: 1 }] } });
      expect(created.status).toBe(201);
      expect(invalidation.failures).toBe(1);
    } finally {
      down.disconnect();
    }
  });
});
