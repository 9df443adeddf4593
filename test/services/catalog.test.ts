import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { catalogApp } from '../../lambda/catalog/app.js';
import { RedisCatalogInvalidation } from '#shared/catalog-cache.js';
import { ReadThroughCache } from '../../lambda/catalog/cache.js';
import { decodeCursor, encodeCursor, toPage } from '../../lambda/catalog/domain.js';
import { pgProducts } from '../../lambda/catalog/products.js';
import { databaseFromEnv } from '#shared/db.js';
import { connectRedis, createRedis } from '#shared/redis.js';
import { call, hopsOf } from '../support/http.js';

const env = process.env as Record<string, string>;
let db: Awaited<ReturnType<typeof databaseFromEnv>>;
let redis: Redis;
const ids: string[] = [];

/** A cache on a fresh key prefix, so runs and tests never see each other's entries. */
const redisAt = (port: number, keyPrefix = `t:${randomUUID()}:`) =>
  connectRedis(createRedis({ host: '127.0.0.1', port, tls: false, keyPrefix }));
const freshCache = async () => new ReadThroughCache(await redisAt(6379), 60);

beforeAll(async () => {
  db = await databaseFromEnv({ ...env, DB_PORT: 5432, DB_SSL: 'disable' } as never);
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  for (let i = 0; i < 25; i++) {
    const { rows } = await db.writer.query<{ id: string }>(
      "INSERT INTO products (sku, name, description, price_cents, currency, stock) VALUES ($1, $2, 'test', $3, 'USD', 10) RETURNING id",
      [`cat-${randomUUID()}`, `Product ${i}`, 100 + i],
    );
    ids.push(rows[0].id);
  }
});
afterAll(async () => {
  await db.close();
  redis.disconnect();
});

describe('domain', () => {
  test('cursors round-trip and reject anything else', () => {
    const id = randomUUID();
    expect(decodeCursor(encodeCursor(id))).toBe(id);
    expect(decodeCursor('garbage')).toBeUndefined();
    expect(decodeCursor(Buffer.from('{"after":"1; DROP TABLE"}').toString('base64url'))).toBeUndefined();
    expect(decodeCursor(Buffer.from(JSON.stringify({ after: id })).toString('base64url'))).toBeUndefined();
  });

  test('a page of limit+1 rows has a next cursor at its last item', () => {
    const rows = [1, 2, 3].map(() => ({ id: randomUUID(), name: '', description: '', priceCents: 1, currency: 'USD', stock: 1 }));
    expect(toPage(rows, 2)).toEqual({ items: rows.slice(0, 2), nextCursor: encodeCursor(rows[1].id) });
    expect(toPage(rows, 3).nextCursor).toBeNull();
  });
});

describe('GET /products', () => {
  test('pages through every product with the cursor', async () => {
    const app = catalogApp({ products: pgProducts(db), cache: await freshCache(), ping: () => db.ping() });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(app, 'GET', `/products?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(7);
      seen.push(...res.body.items.map((p: { id: string }) => p.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(new Set(seen).size).toBe(seen.length);
  });

  test.each(['0', '101', 'abc', '2.5'])('400 naming limit for limit=%s', async (limit) => {
    const app = catalogApp({ products: pgProducts(db), cache: await freshCache(), ping: () => db.ping() });
    const res = await call(app, 'GET', `/products?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('limit');
  });

  test('400 naming cursor for a cursor the API never returned', async () => {
    const app = catalogApp({ products: pgProducts(db), cache: await freshCache(), ping: () => db.ping() });
    const res = await call(app, 'GET', '/products?cursor=bogus');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('cursor');
  });
});

describe('GET /products/{id}', () => {
  test('the second read is a cache hit and does not touch PostgreSQL', async () => {
    const cache = await freshCache();
    const app = catalogApp({ products: pgProducts(db), cache, ping: () => db.ping() });
    const first = await call(app, 'GET', `/products/${ids[0]}`);
    const second = await call(app, 'GET', `/products/${ids[0]}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: ids[0], name: 'Product 0', priceCents: 100, currency: 'USD', stock: 10 });
    expect([first.headers.get('x-cache'), second.headers.get('x-cache')]).toEqual(['miss', 'hit']);
    expect([hopsOf(first.headers), hopsOf(second.headers)]).toEqual([
      ['cache:miss', 'db:replica', 'cache-fill:cached', 'app'],
      ['cache:hit', 'app'],
    ]);
    expect(second.body).toEqual(first.body);
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1, dbReads: 1 });
  });

  test('an upper-case id is the same product and the same cache entry', async () => {
    const cache = await freshCache();
    const app = catalogApp({ products: pgProducts(db), cache, ping: () => db.ping() });
    const upper = await call(app, 'GET', `/products/${ids[4].toUpperCase()}`);
    const lower = await call(app, 'GET', `/products/${ids[4]}`);
    expect(upper.status).toBe(200);
    expect(upper.body.id).toBe(ids[4]);
    expect([upper.headers.get('x-cache'), lower.headers.get('x-cache')]).toEqual(['miss', 'hit']);
    expect(cache.stats.dbReads).toBe(1);
  });

  test('404 PRODUCT_NOT_FOUND for an unknown and a malformed id', async () => {
    const app = catalogApp({ products: pgProducts(db), cache: await freshCache(), ping: () => db.ping() });
    for (const id of [randomUUID(), 'not-a-uuid', "1' OR '1'='1"]) {
      const res = await call(app, 'GET', `/products/${encodeURIComponent(id)}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('PRODUCT_NOT_FOUND');
    }
  });

  test('a stampede of 100 concurrent reads on a cold key reaches PostgreSQL once', async () => {
    const cache = await freshCache();
    let dbReads = 0;
    const products = pgProducts(db);
    const counted = { ...products, get: async (id: string) => (dbReads++, products.get(id)) };
    const app = catalogApp({ products: counted, cache, ping: () => db.ping() });
    const results = await Promise.all(Array.from({ length: 100 }, () => call(app, 'GET', `/products/${ids[1]}`)));
    expect(results.every((r) => r.status === 200 && r.body.id === ids[1])).toBe(true);
    expect(dbReads).toBe(1);
  });

  test('two processes on one cold key: the Redis lock lets only one load', async () => {
    const prefix = `t:${randomUUID()}:`;
    const a = new ReadThroughCache(await redisAt(6379, prefix), 60);
    const b = new ReadThroughCache(await redisAt(6379, prefix), 60);
    let loads = 0;
    const position = (await db.writer.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
    const load = async () => (
      loads++,
      await new Promise((r) => setTimeout(r, 100)),
      { value: { v: 1 }, position, productIds: [], indexed: false }
    );
    const [ra, rb] = await Promise.all([a.get('k', load), b.get('k', load)]);
    expect([ra.value, rb.value]).toEqual([{ v: 1 }, { v: 1 }]);
    expect(loads).toBe(1);
  });

  test('with Redis down the catalog still answers from PostgreSQL, and counts it', async () => {
    const down = new ReadThroughCache(await redisAt(1), 60);
    const app = catalogApp({ products: pgProducts(db), cache: down, ping: () => db.ping() });
    const res = await call(app, 'GET', `/products/${ids[2]}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(ids[2]);
    // No fill is attempted once the lookup failed: the journey shows Redis down and the read through.
    expect(hopsOf(res.headers)).toEqual(['cache:down', 'db:replica', 'app']);
    expect(down.stats.errors).toBeGreaterThan(0);
    expect((await call(app, 'GET', '/products?limit=3')).status).toBe(200);
  });

  test('a product write invalidates its key and the pages that hold it', async () => {
    const client = await redisAt(6379);
    const cache = new ReadThroughCache(client, 60);
    const app = catalogApp({ products: pgProducts(db), cache, ping: () => db.ping() });
    await call(app, 'GET', `/products/${ids[3]}`);
    await call(app, 'GET', '/products?limit=100');
    await db.writer.query("UPDATE products SET name = 'Renamed' WHERE id = $1", [ids[3]]);
    await new RedisCatalogInvalidation(client).productsChanged([ids[3]], () => db.writePosition());
    const product = await call(app, 'GET', `/products/${ids[3]}`);
    expect(product.headers.get('x-cache')).toBe('miss');
    expect(product.body.name).toBe('Renamed');
    const page = await call(app, 'GET', '/products?limit=100');
    expect(page.headers.get('x-cache')).toBe('miss');
    expect(page.body.items.find((p: { id: string }) => p.id === ids[3]).name).toBe('Renamed');
  });
});

describe('health', () => {
  test('503 when PostgreSQL is unreachable', async () => {
    const deadPool = new pg.Pool({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 500 });
    const app = catalogApp({ products: pgProducts(db), cache: await freshCache(), ping: () => deadPool.query('SELECT 1') });
    const res = await call(app, 'GET', '/health');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'degraded', down: ['database'] });
    await deadPool.end();
  });
});
