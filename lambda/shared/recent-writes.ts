import type { Redis } from 'ioredis';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from './observability.js';
import { guardOf, type RedisGuard } from './redis.js';
import { HOPS, timed } from './server-timing.js';

/** Longest replica lag read-your-writes protects against; past it, replica reads are fine anyway. */
export const MARKER_TTL_SECONDS = 60;
const key = (entity: string) => `ryw:${entity}`;

/** The entity name of an order, written by orders and payments, read by orders. */
export const orderEntity = (orderId: string): string => `order:${orderId}`;

/**
 * Read-your-writes across services: whoever writes an entity records the primary's WAL position for
 * it; a reader of that entity uses a replica only once the replica has replayed that far. Without a
 * marker (old or never written) replicas serve. If Redis is down, readers go to the primary: the safe
 * side.
 */
export class RecentWrites {
  private readonly guard: RedisGuard;
  constructor(redis: Redis) {
    this.guard = guardOf(redis);
  }

  /**
   * After a commit: records the primary's position for `entity`. Never throws: the write it follows
   * has committed, so a failure here (Redis, or the position query) must not turn a success into a
   * 500. A lost marker costs no correctness: readers believe a replica only for an order in a state
   * it never leaves (see `OrderRepository.get`).
   */
  async record(entity: string, position: () => Promise<string>): Promise<void> {
    try {
      const lsn = await position();
      await timed(HOPS.marker, 'write', () => this.guard.run((r) => r.set(key(entity), lsn, 'EX', MARKER_TTL_SECONDS)));
    } catch (err) {
      metrics.addMetric('ReadYourWritesMarkerFailed', MetricUnit.Count, 1);
      logger.warn('could not record a recent write; readers will confirm on the primary', { entity, err: (err as Error).message });
    }
  }

  /** The WAL position a replica must have reached to serve `entity`; `'unknown'` when Redis is down. */
  async position(entity: string): Promise<string | undefined | 'unknown'> {
    try {
      return (await timed(HOPS.marker, 'read', () => this.guard.run((r) => r.get(key(entity))))) ?? undefined;
    } catch {
      return 'unknown';
    }
  }
}
