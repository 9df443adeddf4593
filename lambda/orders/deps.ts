import { RedisCatalogInvalidation } from '#shared/catalog-cache.js';
import { databaseFromEnv } from '#shared/db.js';
import { dbEnv, loadEnv, positiveInt, redisEnv } from '#shared/env.js';
import { RecentWrites } from '#shared/recent-writes.js';
import { redisFromEnv } from '#shared/redis.js';
import type { OrderLimits } from './domain.js';
import { pgOrders } from './orders.js';
import { makeExpireOrders } from './usecase.js';

/**
 * What the orders service runs on (database, Redis, stage config), apart from its HTTP app: the
 * scheduled sweep builds only this, so its bundle carries no router, token code or routes.
 */

/** Stage config `orders` (runtime contract `ORDER_*`). */
const orderEnv = {
  ORDER_RESERVATION_TTL_SECONDS: positiveInt(900),
  ORDER_MAX_OPEN_PER_USER: positiveInt(5),
};

export async function ordersDeps() {
  const env = loadEnv({ ...dbEnv, ...redisEnv, ...orderEnv });
  const [db, redis] = await Promise.all([databaseFromEnv(env), redisFromEnv(env)]);
  const limits: OrderLimits = {
    reservationTtlSeconds: env.ORDER_RESERVATION_TTL_SECONDS,
    maxOpenOrdersPerUser: env.ORDER_MAX_OPEN_PER_USER,
  };
  return { db, orders: pgOrders(db), recentWrites: new RecentWrites(redis), catalog: new RedisCatalogInvalidation(redis), limits };
}

/** The scheduled sweep (`sweep.ts`): the same adapters, no HTTP. */
export async function buildOrderSweep() {
  return makeExpireOrders(await ordersDeps());
}
