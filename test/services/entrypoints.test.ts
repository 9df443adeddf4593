import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { handler as authHandler } from '../../lambda/auth/handler.js';
import { handler as catalogHandler } from '../../lambda/catalog/handler.js';
import { buildCatalogApp } from '../../lambda/catalog/main.js';
import { handler as ordersHandler } from '../../lambda/orders/handler.js';
import { buildOrdersApp } from '../../lambda/orders/main.js';
import { Database, databaseFromEnv } from '#shared/db.js';
import { startServer } from '#shared/server.js';
import { hopsOf, proxyEvent } from '../support/http.js';

/**
 * The deployable entry points themselves: each service's `handler.ts` given API Gateway REST proxy
 * events, and its app behind the Node HTTP server the containers run.
 */
const env = process.env as Record<string, string>;
const ctx = {} as never;
let db: Database;
let productId: string;

/** API Gateway accepts `headers` or `multiValueHeaders`; Hono answers in the shape of the event. */
const headersOf = (res: { headers?: Record<string, string>; multiValueHeaders?: Record<string, string[]> }): Record<string, string> =>
  res.headers ?? Object.fromEntries(Object.entries(res.multiValueHeaders ?? {}).map(([k, v]) => [k, v[0]]));

const lambda = async (
  handler: (e: any, c: any) => Promise<any>,
  method: string,
  path: string,
  options: Parameters<typeof proxyEvent>[2] = {},
) => {
  const res = await handler(proxyEvent(method, path, options), ctx);
  return { status: res.statusCode as number, headers: headersOf(res), body: res.body ? JSON.parse(res.body) : undefined };
};

beforeAll(async () => {
  db = await databaseFromEnv({ ...env, DB_PORT: 5432, DB_SSL: 'disable' } as never);
  const { rows } = await db.writer.query<{ id: string }>(
    "INSERT INTO products (sku, name, price_cents, currency, stock) VALUES ($1, 'Entry point item', 700, 'USD', 3) RETURNING id",
    [`ep-${randomUUID()}`],
  );
  productId = rows[0].id;
  // A second product, so a page of two is full whatever else the run's database holds.
  await db.writer.query("INSERT INTO products (sku, name, price_cents, currency, stock) VALUES ($1, 'Filler', 100, 'USD', 1)", [
    `ep-${randomUUID()}`,
  ]);
});
afterAll(() => db.close());

describe('Lambda handlers (API Gateway REST proxy events)', () => {
  test('register, log in, order, read the order back; the shop path through three handlers', async () => {
    const email = `ep-${randomUUID()}@example.com`;
    expect((await lambda(authHandler, 'POST', '/auth/register', { body: { email, password: 'correct horse' } })).status).toBe(201);
    const login = await lambda(authHandler, 'POST', '/auth/login', { body: { email, password: 'correct horse' } });
    expect(login.status).toBe(200);
    const auth = { authorization: `Bearer ${login.body.token}` };

    const product = await lambda(catalogHandler, 'GET', `/products/${productId}`);
    expect(product).toMatchObject({ status: 200, body: { id: productId, priceCents: 700, stock: 3 } });
    expect(product.headers['x-cache']).toBe('miss');
    // The journey of each answer: a miss reads a replica (the run's reader endpoint) and fills the cache; a hit is Redis alone.
    expect(hopsOf(product.headers)).toEqual(['cache:miss', 'db:replica', 'cache-fill:cached', 'app']);
    const cached = await lambda(catalogHandler, 'GET', `/products/${productId}`);
    expect(cached.headers['x-cache']).toBe('hit');
    expect(hopsOf(cached.headers)).toEqual(['cache:hit', 'app']);
    const page = await lambda(catalogHandler, 'GET', '/products', { query: { limit: '2' } });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(2);

    const order = await lambda(ordersHandler, 'POST', '/orders', { headers: auth, body: { items: [{ productId, quantity: 2 }] } });
    expect(order).toMatchObject({ status: 201, body: { status: 'PENDING', totalCents: 1400, currency: 'USD' } });
    expect(hopsOf(order.headers)).toEqual(expect.arrayContaining(['db:primary', 'marker:write', 'cache-drop:1-products', 'app']));
    expect(await lambda(ordersHandler, 'GET', `/orders/${order.body.orderId}`, { headers: auth })).toMatchObject({
      status: 200,
      body: { orderId: order.body.orderId, status: 'PENDING' },
    });
    expect(await lambda(ordersHandler, 'POST', '/orders', { headers: auth, body: { items: [{ productId, quantity: 2 }] } })).toMatchObject({
      status: 409,
      body: { error: { code: 'INSUFFICIENT_STOCK' } },
    });
  });

  test('failures keep the error shape: 401, 400 naming the field, 404 for an unknown route and product', async () => {
    expect(await lambda(ordersHandler, 'POST', '/orders', { body: { items: [] } })).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED' } },
    });
    const bad = await lambda(catalogHandler, 'GET', '/products', { query: { limit: '0' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('limit');
    expect(await lambda(catalogHandler, 'GET', '/products/not-an-id')).toMatchObject({
      status: 404,
      body: { error: { code: 'PRODUCT_NOT_FOUND' } },
    });
    expect(await lambda(ordersHandler, 'GET', '/nowhere')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    for (const h of [authHandler, catalogHandler, ordersHandler])
      expect(await lambda(h, 'GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  test('the API Gateway request id becomes the correlation id', async () => {
    const event = proxyEvent('GET', '/health');
    const res = await catalogHandler(event, ctx);
    expect(headersOf(res as never)['x-correlation-id']).toBe(event.requestContext.requestId);
  });
});

describe('HTTP server (the container entry)', () => {
  test('catalog and orders answer over HTTP like they do as Lambdas', async () => {
    const servers = await Promise.all([startServer(buildCatalogApp(), 0), startServer(buildOrdersApp(), 0)]);
    try {
      const [catalog, orders] = await Promise.all(
        servers.map(async (s) => {
          if (!s.listening) await once(s, 'listening');
          return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
        }),
      );
      const health = await fetch(`${catalog}/health`);
      expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
      const product = await fetch(`${catalog}/products/${productId}`, { headers: { 'x-correlation-id': 'corr-123' } });
      expect(product.status).toBe(200);
      expect(product.headers.get('x-correlation-id')).toBe('corr-123');
      expect(((await product.json()) as { id: string }).id).toBe(productId);
      const unsigned = await fetch(`${orders}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
      expect(unsigned.status).toBe(401);
      const big = await fetch(`${catalog}/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pad: 'x'.repeat(70 * 1024) }),
      });
      expect(big.status).toBe(413);
      const missing = await fetch(`${orders}/orders/${randomUUID()}`);
      expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([401, 'UNAUTHORIZED']);
    } finally {
      for (const s of servers) s.close();
    }
  });
});
