import { databaseFromEnv } from '#shared/db.js';
import { dbEnv, loadEnv, positiveInt, redisEnv } from '#shared/env.js';
import { redisFromEnv } from '#shared/redis.js';
import { catalogApp } from './app.js';
import { ReadThroughCache } from './cache.js';
import { pgProducts } from './products.js';

export async function buildCatalogApp() {
  const env = loadEnv({ ...dbEnv, ...redisEnv, CACHE_TTL_SECONDS: positiveInt(60) });
  const [db, redis] = await Promise.all([databaseFromEnv(env), redisFromEnv(env)]);
  return catalogApp({ products: pgProducts(db), cache: new ReadThroughCache(redis, env.CACHE_TTL_SECONDS), ping: () => db.ping() });
}
