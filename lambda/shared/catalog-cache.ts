import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Redis } from 'ioredis';
import { logger, metrics } from './observability.js';

/**
 * The catalog's Redis keys, in one place: the catalog reads through them and every service that
 * changes a product (orders take stock) drops them, so the two cannot drift apart.
 */
export const productKey = (id: string): string => `catalog:product:${id}`;
/** Part of every page key: bumping it retires all cached pages at once. */
export const PAGES_VERSION_KEY = 'catalog:pages:version';
export const pageKey = (version: string, limit: number, cursor: string | undefined): string =>
  `catalog:page:v${version}:${limit}:${cursor ?? ''}`;

/** Tells the catalog cache that products changed. */
export interface CatalogInvalidation {
  productsChanged(productIds: readonly string[]): Promise<void>;
}

/**
 * Drops the products' keys and every page. Never throws: the write it follows has committed, so a
 * Redis outage only leaves the catalog stale until the TTL (logged and counted, not an error).
 */
export class RedisCatalogInvalidation implements CatalogInvalidation {
  failures = 0;
  constructor(private readonly redis: Redis) {}

  async productsChanged(productIds: readonly string[]): Promise<void> {
    if (productIds.length === 0) return;
    try {
      await this.redis.del(...productIds.map(productKey));
      await this.redis.incr(PAGES_VERSION_KEY);
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
