import { BrokenCircuitError, circuitBreaker, CircuitState, ConsecutiveBreaker, handleWhen } from 'cockatiel';
import { Redis, ReplyError } from 'ioredis';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from './observability.js';
import { secretString } from './secrets.js';

export interface RedisSettings {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly password?: string;
  readonly keyPrefix?: string;
  /**
   * Longest wait between two reconnect attempts after the connection is lost.
   * @default 2000 - a lost cache costs a little more per request while it is away, not a storm of connects
   */
  readonly reconnectMaxMs?: number;
}

/**
 * A Redis client that fails fast: the cache is an optimisation, so a request must not wait for a
 * Redis that is down. Commands error at once while disconnected, and callers fall back.
 */
export function createRedis(settings: RedisSettings): Redis {
  return new Redis({
    host: settings.host,
    port: settings.port,
    password: settings.password,
    tls: settings.tls ? {} : undefined,
    keyPrefix: settings.keyPrefix,
    connectTimeout: 1000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, settings.reconnectMaxMs ?? 2000),
  });
}

/**
 * Connects, waiting at most `connectTimeout`: a cold start should not treat a healthy Redis as down,
 * and a Redis that is down must not hold the start-up (ioredis keeps retrying in the background).
 */
export async function connectRedis(redis: Redis): Promise<Redis> {
  redis.on('error', () => undefined);
  await redis.connect().catch(() => undefined);
  return redis;
}

/**
 * Keeps a client working through an AUTH token rotation (docs/runbook.md#rotate-redis-auth): when
 * Redis refuses the token in use, re-read it and let ioredis' reconnect (which reads
 * `options.password` again) use the new one. During the rotation window ElastiCache accepts both
 * tokens, so connections made with the old one keep working until then.
 */
export function refreshAuthOnRejection(redis: Redis, readToken: () => Promise<string>): void {
  let refreshing = false;
  redis.on('error', (error: Error) => {
    if (refreshing || !/^(WRONGPASS|NOAUTH)/.test(error.message)) return;
    refreshing = true;
    readToken()
      .then((token) => {
        redis.options.password = token;
      })
      .catch(() => undefined)
      .finally(() => {
        refreshing = false;
      });
  });
}

export async function redisFromEnv(
  env: {
    REDIS_HOST: string;
    REDIS_PORT: number;
    REDIS_TLS: 'true' | 'false';
    REDIS_AUTH_SECRET_ARN?: string;
  },
  options: Pick<RedisSettings, 'reconnectMaxMs'> = {},
): Promise<Redis> {
  const redis = createRedis({
    ...options,
    host: env.REDIS_HOST,
    port: env.REDIS_PORT,
    tls: env.REDIS_TLS === 'true',
    password: env.REDIS_AUTH_SECRET_ARN ? await secretString(env.REDIS_AUTH_SECRET_ARN) : undefined,
  });
  const arn = env.REDIS_AUTH_SECRET_ARN;
  if (arn) refreshAuthOnRejection(redis, () => secretString(arn, { fresh: true }));
  // Connection errors are not thrown here; each command reports its own failure to its caller.
  return connectRedis(redis);
}

/** How long a container skips Redis after a failure before one command probes it again. */
export const REDIS_SKIP_MS = 5_000;

/** Thrown instead of running a command while the breaker skips Redis. */
export class RedisSkipped extends Error {
  constructor() {
    super('Redis is skipped for a while after a failure (circuit open)');
    this.name = 'RedisSkipped';
  }
}

/**
 * A circuit breaker per Redis client, so per container: after a command fails for want of Redis
 * (timeout, connection lost), every command is skipped at once for `REDIS_SKIP_MS`; then one command
 * probes, and closes the circuit if it answers. A Redis that accepts connections and then hangs
 * costs one `commandTimeout`, not one per command. Redis' own error replies (a bad script, a wrong
 * type) are answers, and do not open it. The breaker is cockatiel's; while its probe is out, other
 * commands are skipped rather than queued behind it.
 */
export class RedisGuard {
  private readonly breaker;

  constructor(
    readonly redis: Redis,
    skipMs = REDIS_SKIP_MS,
  ) {
    this.breaker = circuitBreaker(
      handleWhen((err) => !(err instanceof ReplyError)),
      { halfOpenAfter: skipMs, breaker: new ConsecutiveBreaker(1) },
    );
    this.breaker.onStateChange((state) => {
      if (state === CircuitState.Open) {
        metrics.addMetric('RedisCircuitOpened', MetricUnit.Count, 1);
        logger.warn('redis circuit open: skipping Redis', { skipMs });
        // A fresh connection for the probe: the old one may be wedged behind a host that froze, or
        // point at a primary that failed over.
        redis.disconnect(true);
      }
    });
  }

  get open(): boolean {
    return this.breaker.state !== CircuitState.Closed;
  }

  /** Runs one command (or one pipeline/script); RedisSkipped while the circuit is open. */
  async run<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.breaker.state === CircuitState.HalfOpen) throw new RedisSkipped();
    try {
      return await this.breaker.execute(() => command(this.redis));
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new RedisSkipped();
      throw err;
    }
  }
}

const guards = new WeakMap<Redis, RedisGuard>();

/** The one guard of a client: the cache, the read-your-writes markers and the invalidation share it. */
export function guardOf(redis: Redis): RedisGuard {
  let guard = guards.get(redis);
  if (!guard) guards.set(redis, (guard = new RedisGuard(redis)));
  return guard;
}
