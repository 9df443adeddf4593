import type { Redis } from 'ioredis';
import { countMetric, logger } from '#shared/observability.js';

/** What the cache did, per process: the figure that shows it works (`DbReads / reads`). */
export interface CacheStats {
  hits: number;
  misses: number;
  dbReads: number;
  errors: number;
}

export interface CacheResult<T> {
  readonly value: T;
  readonly hit: boolean;
  /** On a hit, the cached JSON text: answer it as is rather than parse and serialise it again. */
  readonly json?: string;
}

/** A hit whose value is parsed only when asked for. */
function hitOf<T>(json: string): CacheResult<T> {
  let parsed: { value: T } | undefined;
  return {
    hit: true,
    json,
    get value() {
      parsed ??= { value: JSON.parse(json) as T };
      return parsed.value;
    },
  };
}

const LOCK_TTL_MS = 3000;
const LOCK_WAIT_STEP_MS = 20;
const LOCK_WAIT_STEPS = 50;

/**
 * Cache-aside on Redis with two stampede guards: concurrent misses in one process share one load
 * (single flight), and across processes one loader takes a short Redis lock while the others wait
 * for the value it writes. If Redis fails, reads go to the database: slower, never an error.
 */
export class ReadThroughCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, dbReads: 0, errors: 0 };
  private readonly inFlight = new Map<string, Promise<CacheResult<unknown>>>();

  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  async get<T>(key: string, load: () => Promise<T>): Promise<CacheResult<T>> {
    const cached = await this.safe(() => this.redis.get(key));
    if (cached !== undefined && cached !== null) {
      this.count('hits', 'CacheHit');
      return hitOf<T>(cached);
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending as Promise<CacheResult<T>>;
    const loading = this.loadOnce(key, load, cached === undefined).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, loading);
    return loading;
  }

  /** A counter shared by all processes, e.g. a version that invalidates every page at once. */
  async version(key: string): Promise<string> {
    return (await this.safe(() => this.redis.get(key))) ?? '0';
  }

  private async loadOnce<T>(key: string, load: () => Promise<T>, redisDown: boolean): Promise<CacheResult<T>> {
    this.count('misses', 'CacheMiss');
    if (!redisDown) {
      const locked = await this.safe(() => this.redis.set(`${key}:lock`, '1', 'PX', LOCK_TTL_MS, 'NX'));
      if (locked === null) {
        // Another process is loading this key: wait for its value rather than hitting the database too.
        for (let i = 0; i < LOCK_WAIT_STEPS; i++) {
          await new Promise((r) => setTimeout(r, LOCK_WAIT_STEP_MS));
          const v = await this.safe(() => this.redis.get(key));
          if (v) return { value: JSON.parse(v) as T, hit: true };
          if (v === undefined) break;
        }
      }
    }
    this.count('dbReads', 'DbRead');
    const value = await load();
    if (!redisDown && value !== undefined) {
      await this.safe(() => this.redis.set(key, JSON.stringify(value), 'EX', this.ttlSeconds));
      await this.safe(() => this.redis.del(`${key}:lock`));
    }
    return { value, hit: false };
  }

  /** Runs a Redis command; undefined when Redis is unreachable (logged and counted). */
  private async safe<T>(command: () => Promise<T>): Promise<T | undefined> {
    try {
      return await command();
    } catch (err) {
      this.count('errors', 'CacheError');
      logger.warn('redis unavailable, reading through to PostgreSQL', { err: (err as Error).message });
      return undefined;
    }
  }

  private count(stat: keyof CacheStats, metric: string): void {
    this.stats[stat]++;
    countMetric(metric);
  }
}
