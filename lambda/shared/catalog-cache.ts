import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Redis } from 'ioredis';
import { logger, metrics } from './observability.js';
import { guardOf, type RedisGuard } from './redis.js';
import { HOPS, recordHop } from './server-timing.js';

/**
 * The catalog's Redis keys, in one place: the catalog reads through them and every service that
 * changes a product (orders take and give back stock) drops them, so the two cannot drift apart.
 */
export const productKey = (id: string): string => `catalog:product:${id}`;
/** A page is named by what it holds (the id it starts after, decoded from the cursor), not by the cursor's spelling. */
export const pageKey = (limit: number, afterId: string | undefined): string => `catalog:page:${limit}:${afterId ?? ''}`;
/** The pages that hold a product, so a write drops those and no other. */
export const pagesOfKey = (id: string): string => `catalog:pages-of:${id}`;
/** The WAL position of the last write to a product: no cached copy may be older. */
export const writtenAtKey = (id: string): string => `catalog:written:${id}`;

/**
 * LSNs (`16/B374D848`) compared in Redis, so the check and the write of a refill are one atomic step
 * with respect to an invalidation: either the refill lands first and the invalidation drops it, or
 * the invalidation lands first and the refill sees its position.
 */
const LSN_LUA = `
local function newer(a, b)
  local ahi, alo = string.match(a, '^(%x+)/(%x+)$')
  local bhi, blo = string.match(b, '^(%x+)/(%x+)$')
  ahi, alo, bhi, blo = tonumber(ahi, 16), tonumber(alo, 16), tonumber(bhi, 16), tonumber(blo, 16)
  return ahi > bhi or (ahi == bhi and alo > blo)
end`;

/**
 * How long a write's position is kept: longer than any refill takes and than the replica lag the
 * `ReplicaLag` alarm tolerates, so no refill that started before the write outlives its marker.
 */
export const WRITTEN_AT_TTL_SECONDS = 600;

/** KEYS: written-at markers, then product keys, then pages-of sets; ARGV: lsn, marker ttl. */
const INVALIDATE = `${LSN_LUA}
local n = #KEYS / 3
for i = 1, n do
  local current = redis.call('GET', KEYS[i])
  if not current or newer(ARGV[1], current) then redis.call('SET', KEYS[i], ARGV[1], 'EX', tonumber(ARGV[2])) end
  redis.call('DEL', KEYS[n + i])
  local pages = redis.call('SMEMBERS', KEYS[2 * n + i])
  for _, page in ipairs(pages) do redis.call('DEL', page) end
  redis.call('DEL', KEYS[2 * n + i])
end
return n`;

/**
 * KEYS: the value's key, then the written-at markers and the pages-of sets of the products it holds;
 * ARGV: value, ttl, the WAL position the value was read at, index (1) or not (0). Refuses (0) when a
 * product was written after that position: the value is older than a write and must not be cached.
 */
const FILL = `${LSN_LUA}
local n = (#KEYS - 1) / 2
for i = 1, n do
  local written = redis.call('GET', KEYS[1 + i])
  if written and newer(written, ARGV[3]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
if ARGV[4] == '1' then
  for i = 1, n do
    redis.call('SADD', KEYS[1 + n + i], KEYS[1])
    redis.call('EXPIRE', KEYS[1 + n + i], tonumber(ARGV[2]) + 60)
  end
end
return 1`;

/** A value read from PostgreSQL, with the WAL position it is at least as new as and the products it holds. */
export interface Loaded<T> {
  readonly value: T;
  readonly position: string;
  readonly productIds: readonly string[];
  /** Page values are indexed under their products, so a product write drops them; a product key is dropped by name. */
  readonly indexed: boolean;
}

/** Caches a loaded value unless one of its products was written after it was read (then 'stale'). */
export async function fillIfFresh<T>(redis: Redis, key: string, loaded: Loaded<T>, ttlSeconds: number): Promise<'cached' | 'stale'> {
  const keys = [key, ...loaded.productIds.map(writtenAtKey), ...loaded.productIds.map(pagesOfKey)];
  const ok = await redis.eval(
    FILL,
    keys.length,
    ...keys,
    JSON.stringify(loaded.value),
    ttlSeconds,
    loaded.position,
    loaded.indexed ? '1' : '0',
  );
  return ok === 1 ? 'cached' : 'stale';
}

/** Tells the catalog cache that products changed, at the primary's WAL position `position()`. */
export interface CatalogInvalidation {
  productsChanged(productIds: readonly string[], position: () => Promise<string>): Promise<void>;
}

/**
 * Drops the products' keys and the pages that hold them, and records the write's position so that
 * no refill that read older data can cache it. Never throws: the write it follows has committed, so
 * a Redis outage only leaves the catalog stale until the TTL (logged and counted, not an error).
 */
export class RedisCatalogInvalidation implements CatalogInvalidation {
  failures = 0;
  private readonly guard: RedisGuard;
  constructor(redis: Redis) {
    this.guard = guardOf(redis);
  }

  async productsChanged(productIds: readonly string[], position: () => Promise<string>): Promise<void> {
    if (productIds.length === 0) return;
    try {
      const lsn = await position();
      const keys = [...productIds.map(writtenAtKey), ...productIds.map(productKey), ...productIds.map(pagesOfKey)];
      const startedAt = performance.now();
      await this.guard.run((r) => r.eval(INVALIDATE, keys.length, ...keys, lsn, WRITTEN_AT_TTL_SECONDS));
      recordHop(HOPS.cacheDrop, `${productIds.length}-products`, startedAt);
    } catch (err) {
      this.failures++;
      metrics.addMetric('CatalogInvalidationFailed', MetricUnit.Count, 1);
      logger.warn('could not invalidate the catalog cache; it stays stale until its TTL', {
        productIds,
        err: (err as Error).message,
      });
    }
  }
}
