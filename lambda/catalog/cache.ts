import type { Redis } from 'ioredis';
import { fillIfFresh, type Loaded } from '#shared/catalog-cache.js';
import { countMetric, logger } from '#shared/observability.js';
import { guardOf, type RedisGuard, RedisSkipped } from '#shared/redis.js';
import { HOPS, recordHop, timed } from '#shared/server-timing.js';
import type { ReadFrom } from './products.js';

/** What the cache did, per process: the figure that shows it works (`DbReads / reads`). */
export interface CacheStats {
  hits: number;
  misses: number;
  dbReads: number;
  errors: number;
  /** Refills refused because a product was written after the data was read (then read again from the primary). */
  staleRefills: number;
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
 * for the value it writes. A refill never caches data older than a write that invalidated it: it is
 * written only if no product it holds was written after the position it was read at, else it is read
 * again from the primary. If Redis fails, reads go to the database: slower, never an error; the
 * client's circuit breaker then skips Redis for a while, so a hung Redis costs one timeout.
 */
export class ReadThroughCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, dbReads: 0, errors: 0, staleRefills: 0 };
  private readonly inFlight = new Map<string, Promise<CacheResult<unknown>>>();
  private readonly guard: RedisGuard;

  constructor(
    redis: Redis,
    private readonly ttlSeconds: number,
  ) {
    this.guard = guardOf(redis);
  }

  /** `load(from)` reads from any replica, or from the primary when a replica's copy proved too old. */
  async get<T>(key: string, load: (from: ReadFrom) => Promise<Loaded<T>>): Promise<CacheResult<T>> {
    const startedAt = performance.now();
    const cached = await this.safe((r) => r.get(key));
    if (cached !== undefined && cached !== null) {
      recordHop(HOPS.cache, 'hit', startedAt);
      this.count('hits', 'CacheHit');
      return hitOf<T>(cached);
    }
    recordHop(HOPS.cache, cached === undefined ? 'down' : 'miss', startedAt);
    const pending = this.inFlight.get(key);
    if (pending) return pending as Promise<CacheResult<T>>;
    const loading = this.loadOnce(key, load, cached === undefined).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, loading);
    return loading;
  }

  private async loadOnce<T>(key: string, load: (from: ReadFrom) => Promise<Loaded<T>>, redisDown: boolean): Promise<CacheResult<T>> {
    this.count('misses', 'CacheMiss');
    if (!redisDown) {
      const locked = await this.safe((r) => r.set(`${key}:lock`, '1', 'PX', LOCK_TTL_MS, 'NX'));
      if (locked === null) {
        // Another process is loading this key: wait for its value rather than hitting the database too.
        const waitedFrom = performance.now();
        for (let i = 0; i < LOCK_WAIT_STEPS; i++) {
          await new Promise((r) => setTimeout(r, LOCK_WAIT_STEP_MS));
          const v = await this.safe((r) => r.get(key));
          if (v) {
            recordHop(HOPS.cache, 'waited', waitedFrom);
            return hitOf<T>(v);
          }
          if (v === undefined) break;
        }
      }
    }
    this.count('dbReads', 'DbRead');
    let loaded = await load('any');
    if (redisDown) return { value: loaded.value, hit: false };
    if ((await this.fill(key, loaded)) === 'stale') {
      // The replica served data older than a write to one of these products: the primary has it.
      this.count('staleRefills', 'StaleRefillRefused');
      this.count('dbReads', 'DbRead');
      loaded = await load('primary');
      await this.fill(key, loaded);
    }
    await this.safe((r) => r.del(`${key}:lock`));
    return { value: loaded.value, hit: false };
  }

  private fill<T>(key: string, loaded: Loaded<T>): Promise<'cached' | 'stale' | undefined> {
    return timed(
      HOPS.cacheFill,
      (outcome) => outcome ?? 'down',
      () => this.safe((r) => fillIfFresh(r, key, loaded, this.ttlSeconds)),
    );
  }

  /** Runs a Redis command; undefined when Redis is unreachable or skipped (counted; logged once per outage by the breaker). */
  private safe<T>(command: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    return this.guard.run(command).catch((err: unknown) => {
      this.count('errors', 'CacheError');
      if (!(err instanceof RedisSkipped)) logger.warn('redis unavailable, reading through to PostgreSQL', { err: (err as Error).message });
      return undefined;
    });
  }

  private count(stat: keyof CacheStats, metric: string): void {
    this.stats[stat]++;
    countMetric(metric);
  }
}
