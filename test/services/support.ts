import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis, createRedis } from '#shared/redis.js';
import { buildAuthApp } from '../../lambda/auth/main.js';
import { ordersApp } from '../../lambda/orders/app.js';
import type { OrderLimits } from '../../lambda/orders/domain.js';
import { pgOrders, type OrderRepository } from '../../lambda/orders/orders.js';
import { RedisCatalogInvalidation } from '#shared/catalog-cache.js';
import type { Database } from '#shared/db.js';
import { RecentWrites } from '#shared/recent-writes.js';
import { tokenIssuerFromEnv } from '#shared/tokens.js';
import { call } from '../support/http.js';

/** Drill helpers shared by the services' test files (real PostgreSQL, Redis and emulator). */
export const env = process.env as Record<string, string>;

export async function signUp(): Promise<{ token: string; userId: string }> {
  const auth = await buildAuthApp();
  const email = `drill-${randomUUID()}@example.com`;
  const { userId } = (await call(auth, 'POST', '/auth/register', { body: { email, password: 'correct horse' } })).body;
  const { token } = (await call(auth, 'POST', '/auth/login', { body: { email, password: 'correct horse' } })).body;
  return { token, userId };
}

export async function addProduct(db: Database, stock: number, priceCents = 500): Promise<string> {
  const { rows } = await db.writer.query<{ id: string }>(
    "INSERT INTO products (sku, name, price_cents, currency, stock) VALUES ($1, 'Drill item', $2, 'USD', $3) RETURNING id",
    [`drill-${randomUUID()}`, priceCents, stock],
  );
  return rows[0].id;
}

export async function stockOf(db: Database, productId: string): Promise<number> {
  return (await db.writer.query<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [productId])).rows[0].stock;
}

export async function statusOf(db: Database, orderId: string): Promise<string> {
  return (await db.writer.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [orderId])).rows[0].status;
}

/** The services' fail-fast Redis client on a fresh key prefix, so runs and tests never see each other's keys. */
export const freshRedis = (port = 6379): Promise<Redis> =>
  connectRedis(createRedis({ host: '127.0.0.1', port, tls: false, keyPrefix: `t:${randomUUID()}:` }));

/** The orders app on real adapters, with the given limits (and optionally another repository or Redis). */
export function ordersOn(
  db: Database,
  redis: Redis,
  limits: OrderLimits,
  orders: OrderRepository = pgOrders(db),
): ReturnType<typeof ordersApp> {
  return ordersApp({
    orders,
    tokens: tokenIssuerFromEnv(env as never),
    recentWrites: new RecentWrites(redis),
    catalog: new RedisCatalogInvalidation(redis),
    limits,
    ping: () => db.ping(),
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
