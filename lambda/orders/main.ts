import { RedisCatalogInvalidation } from '#shared/catalog-cache.js';
import { databaseFromEnv } from '#shared/db.js';
import { dbEnv, loadEnv, redisEnv, tokenEnv } from '#shared/env.js';
import { RecentWrites } from '#shared/recent-writes.js';
import { redisFromEnv } from '#shared/redis.js';
import { tokenIssuerFromEnv } from '#shared/tokens.js';
import { ordersApp } from './app.js';
import { pgOrders } from './orders.js';

export async function buildOrdersApp() {
  const env = loadEnv({ ...dbEnv, ...redisEnv, ...tokenEnv });
  const [db, redis] = await Promise.all([databaseFromEnv(env), redisFromEnv(env)]);
  return ordersApp({
    orders: pgOrders(db),
    tokens: tokenIssuerFromEnv(env),
    recentWrites: new RecentWrites(redis),
    catalog: new RedisCatalogInvalidation(redis),
    ping: () => db.ping(),
  });
}
