import type { Redis } from 'ioredis';
import { logger } from './observability.js';

/** Longest replica lag read-your-writes protects against; past it, replica reads are fine anyway. */
const MARKER_TTL_SECONDS = 60;
const key = (entity: string) => `ryw:${entity}`;

/**
 * Read-your-writes across services: whoever writes an entity records the primary's WAL position for
 * it; a reader of that entity uses a replica only once the replica has replayed that far. Without a
 * marker (old or never written) replicas serve. If Redis is down, readers go to the primary: the safe
 * side.
 */
export class RecentWrites {
  constructor(private readonly redis: Redis) {}

  async record(entity: string, lsn: string): Promise<void> {
    try {
      await this.redis.set(key(entity), lsn, 'EX', MARKER_TTL_SECONDS);
    } catch (err) {
      logger.warn('could not record a recent write; readers will use the primary', { entity, err: (err as Error).message });
    }
  }

  /** The WAL position a replica must have reached to serve `entity`; `'unknown'` when Redis is down. */
  async position(entity: string): Promise<string | undefined | 'unknown'> {
    try {
      return (await this.redis.get(key(entity))) ?? undefined;
    } catch {
      return 'unknown';
    }
  }
}
