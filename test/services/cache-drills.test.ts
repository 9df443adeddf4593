import type { Redis } from 'ioredis';
import { catalogApp } from '../../lambda/catalog/app.js';
import { ReadThroughCache } from '../../lambda/catalog/cache.js';
import { encodeCursor } from '../../lambda/catalog/domain.js';
import { pgProducts } from '../../lambda/catalog/products.js';
import { fillIfFresh, productKey, RedisCatalogInvalidation } from '#shared/catalog-cache.js';
import { type Database, databaseFromEnv } from '#shared/db.js';
import { guardOf, RedisGuard, REDIS_SKIP_MS, RedisTimeout } from '#shared/redis.js';
import { call } from '../support/http.js';
import { HangingProxy } from '../support/tcp-proxy.js';
import { addProduct, env, freshRedis, ordersOn, signUp, sleep } from './support.js';

/** This run's own ports for servers a drill starts (see the task's port range). */
const PROXY_PORT = 6392;

let db: Database;
const ids: string[] = [];

beforeAll(async () => {
  db = await databaseFromEnv({ ...env, DB_PORT: 5432, DB_SSL: 'disable' } as never);
  for (let i = 0; i < 6; i++) ids.push(await addProduct(db, 10));
  ids.sort();
});
afterAll(() => db.close());

const timed = async <T>(p: Promise<T>): Promise<{ result: T; ms: number }> => {
  const t = performance.now();
  const result = await p;
  return { result, ms: performance.now() - t };
};

describe('drill 8: no stale stock after a write (pages, cursors, the refill race)', () => {
  test('a write drops the pages that hold the product and no other; the cursor is keyed by what it decodes to', async () => {
    const redis = await freshRedis();
    const app = catalogApp({ products: pgProducts(db), cache: new ReadThroughCache(redis, 60), ping: () => db.ping() });
    // Two pages: A, and B starting after A's last product (other suites add products too: read what they hold).
    const pageA = `/products?limit=2&cursor=${encodeCursor(ids[1])}`;
    const a = await call(app, 'GET', pageA);
    const written = a.body.items[0].id as string;
    const pageB = `/products?limit=2&cursor=${encodeCursor(a.body.items[1].id)}`;
    await call(app, 'GET', pageB);
    // The same position spelt differently (the last character's 4 unused bits set) is the same page.
    const cursor = encodeCursor(ids[1]);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spelt = cursor.slice(0, 21) + alphabet[alphabet.indexOf(cursor[21]) | 0b1111];
    expect(spelt).not.toBe(cursor);
    expect((await call(app, 'GET', `/products?limit=2&cursor=${spelt}`)).headers.get('x-cache')).toBe('hit');

    await db.writer.query('UPDATE products SET stock = 3 WHERE id = $1', [written]);
    await new RedisCatalogInvalidation(redis).productsChanged([written], () => db.writePosition());
    const refreshed = await call(app, 'GET', pageA);
    expect(refreshed.headers.get('x-cache')).toBe('miss');
    expect(refreshed.body.items.find((p: { id: string }) => p.id === written).stock).toBe(3);
    expect((await call(app, 'GET', pageB)).headers.get('x-cache')).toBe('hit');
    redis.disconnect();
  });

  test('a refill that read before a write and lands after its invalidation is refused, and the reader gets fresh data', async () => {
    const redis = await freshRedis();
    const position = await db.writePosition();
    const staleCopy = { value: { stock: 10 }, position, productIds: [ids[4]], indexed: false };
    // The write and its invalidation happen between the refill's read and its write to Redis.
    await db.writer.query('UPDATE products SET stock = 4 WHERE id = $1', [ids[4]]);
    await new RedisCatalogInvalidation(redis).productsChanged([ids[4]], () => db.writePosition());
    expect(await fillIfFresh(redis, productKey(ids[4]), staleCopy, 60)).toBe('stale');
    expect(await redis.get(productKey(ids[4]))).toBeNull();

    // The whole path: a loader that first returns the stale copy is re-run on the primary.
    const cache = new ReadThroughCache(redis, 60);
    const froms: string[] = [];
    const { value } = await cache.get(productKey(ids[4]), async (from) => {
      froms.push(from);
      if (from === 'any') return staleCopy;
      const fresh = await pgProducts(db).get(ids[4], 'primary');
      return { value: { stock: fresh.value!.stock }, position: fresh.position, productIds: [ids[4]], indexed: false };
    });
    expect(froms).toEqual(['any', 'primary']);
    expect(value).toEqual({ stock: 4 });
    expect(cache.stats.staleRefills).toBe(1);
    expect(JSON.parse((await redis.get(productKey(ids[4])))!)).toEqual({ stock: 4 });
    redis.disconnect();
  });
});

describe('drill 9: a hung Redis costs one timeout, not one per command', () => {
  let proxy: HangingProxy;
  let redis: Redis;

  beforeEach(async () => {
    proxy = await new HangingProxy(PROXY_PORT, { host: '127.0.0.1', port: 6379 }).start();
    redis = await freshRedis(PROXY_PORT);
  });
  afterEach(async () => {
    redis.disconnect();
    await proxy.stop();
  });

  test('each command on a hung connection fails at its own deadline; answered ones never do', async () => {
    const guard = new RedisGuard(redis, REDIS_SKIP_MS, 200);
    expect(await guard.run((r) => r.ping())).toBe('PONG');
    await sleep(250);
    // The timer armed for that answered command found nothing to fail.
    expect(guard.open).toBe(false);

    proxy.hung = true;
    const started = performance.now();
    const settled = (p: Promise<unknown>) =>
      p.then(
        () => ({ ok: true, ms: performance.now() - started }),
        (err: Error) => ({ ok: false, err, ms: performance.now() - started }),
      );
    const first = settled(guard.run((r) => r.get('a')));
    await sleep(100);
    const second = settled(guard.run((r) => r.get('b')));
    const [a, b] = await Promise.all([first, second]);
    expect(a).toMatchObject({ ok: false, err: expect.any(RedisTimeout) });
    expect(b).toMatchObject({ ok: false, err: expect.any(RedisTimeout) });
    expect(a.ms).toBeGreaterThanOrEqual(195);
    expect(a.ms).toBeLessThan(290);
    expect(b.ms).toBeGreaterThanOrEqual(295);
    expect(guard.open).toBe(true);
  });

  test('the catalog: one request pays the timeout, the next ones skip Redis; after the skip period a probe finds it again', async () => {
    const cache = new ReadThroughCache(redis, 60);
    const app = catalogApp({ products: pgProducts(db), cache, ping: () => db.ping() });
    expect((await call(app, 'GET', `/products/${ids[5]}`)).status).toBe(200);
    expect((await call(app, 'GET', `/products/${ids[5]}`)).headers.get('x-cache')).toBe('hit');

    proxy.hung = true;
    const first = await timed(call(app, 'GET', '/products?limit=3'));
    expect(first.result.status).toBe(200);
    // A page is one Redis round trip: one timeout (1 s), not two in a row.
    expect(first.ms).toBeGreaterThanOrEqual(900);
    expect(first.ms).toBeLessThan(1_900);
    const next = await Promise.all(
      Array.from({ length: 10 }, (_, i) => timed(call(app, 'GET', i % 2 ? `/products/${ids[5]}` : '/products?limit=3'))),
    );
    expect(next.every((n) => n.result.status === 200)).toBe(true);
    expect(Math.max(...next.map((n) => n.ms))).toBeLessThan(300);
    expect(guardOf(redis).open).toBe(true);

    proxy.hung = false;
    await sleep(REDIS_SKIP_MS + 100);
    // The probe goes through (the proxied connection answers again) and the cache serves.
    await call(app, 'GET', `/products/${ids[5]}`);
    expect((await call(app, 'GET', `/products/${ids[5]}`)).headers.get('x-cache')).toBe('hit');
    expect(guardOf(redis).open).toBe(false);
  }, 20_000);

  test('orders: with Redis hung, an order is 201 and is read back right after (no stale or missing order)', async () => {
    const app = ordersOn(db, redis, { reservationTtlSeconds: 900, maxOpenOrdersPerUser: 100 });
    const { token } = await signUp();
    proxy.hung = true;
    const created = await timed(call(app, 'POST', '/orders', { token, body: { items: [{ productId: ids[0], quantity: 1 }] } }));
    expect(created.result.status).toBe(201);
    // Marker and invalidation after the commit: one timeout between them, then skipped.
    expect(created.ms).toBeLessThan(1_900);
    const read = await timed(call(app, 'GET', `/orders/${created.result.body.orderId}`, { token }));
    expect(read.result.status).toBe(200);
    expect(read.result.body).toEqual(created.result.body);
    expect(read.result.headers.get('x-read-from')).toBe('primary');
    expect(read.ms).toBeLessThan(300);
  }, 20_000);
});
