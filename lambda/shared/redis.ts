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
 * Redis that is down. Commands error at once while disconnected, and callers fall back. A Redis
 * that is connected but does not answer is bounded by the `RedisGuard` every command goes through
 * (`REDIS_COMMAND_TIMEOUT_MS`), not by ioredis' `commandTimeout`: that one arms and clears a timer
 * per command, ~10 µs of a cached read that takes ~150.
 */
export function createRedis(settings: RedisSettings): Redis {
  return new Redis({
    host: settings.host,
    port: settings.port,
    password: settings.password,
    tls: settings.tls ? {} : undefined,
    keyPrefix: settings.keyPrefix,
    connectTimeout: 1000,
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

/** How long a command may go unanswered before Redis counts as down (and the guard's circuit opens). */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;

/** Thrown for a command Redis did not answer in time. */
export class RedisTimeout extends Error {
  constructor(ms: number) {
    super(`Redis did not answer in ${ms} ms`);
    this.name = 'RedisTimeout';
  }
}

interface Pending {
  readonly at: number;
  readonly reject: (err: Error) => void;
}

/**
 * Deadlines for the commands of one client from one timer: commands are remembered oldest first,
 * and the timer, armed when none is, fails those past their deadline and re-arms for the oldest
 * left. Hand-written because ioredis' `commandTimeout` (and cockatiel's timeout policy) arm a timer
 * per command; here a steady stream of commands arms about one a second.
 */
class Deadlines {
  readonly #pending = new Set<Pending>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  /** `work`, or a `RedisTimeout` if it takes longer than the deadline. */
  bound<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { at: performance.now(), reject };
      this.#pending.add(pending);
      if (this.#timer === undefined) this.#timer = this.#arm(this.ms);
      work.then(
        (value) => {
          this.#pending.delete(pending);
          resolve(value);
        },
        (err: unknown) => {
          this.#pending.delete(pending);
          reject(err as Error);
        },
      );
    });
  }

  #arm(ms: number): NodeJS.Timeout {
    // Unref'd: a deadline alone does not keep a process (a test, a worker that is done) alive.
    return setTimeout(() => this.#expire(), ms).unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const pending of this.#pending) {
      const left = pending.at + this.ms - now;
      if (left > 0) {
        this.#timer = this.#arm(left);
        return;
      }
      this.#pending.delete(pending);
      pending.reject(new RedisTimeout(this.ms));
    }
  }
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
 * (no answer within `REDIS_COMMAND_TIMEOUT_MS`, connection lost), every command is skipped at once
 * for `REDIS_SKIP_MS`; then one command probes, and closes the circuit if it answers. A Redis that
 * accepts connections and then hangs costs one timeout, not one per command. Redis' own error replies (a bad script, a wrong
 * type) are answers, and do not open it. The breaker is cockatiel's; while its probe is out, other
 * commands are skipped rather than queued behind it.
 */
export class RedisGuard {
  private readonly breaker;
  private readonly deadlines;

  constructor(
    readonly redis: Redis,
    skipMs = REDIS_SKIP_MS,
    timeoutMs = REDIS_COMMAND_TIMEOUT_MS,
  ) {
    this.deadlines = new Deadlines(timeoutMs);
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
  run<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.breaker.state === CircuitState.HalfOpen) return Promise.reject(new RedisSkipped());
    // A promise chain, not an async function: this runs on every cached read (each async layer is a promise more).
    return this.breaker
      .execute(() => this.deadlines.bound(command(this.redis)))
      .catch((err: unknown) => {
        throw err instanceof BrokenCircuitError ? new RedisSkipped() : err;
      });
  }
}

const guards = new WeakMap<Redis, RedisGuard>();

/** The one guard of a client: the cache, the read-your-writes markers and the invalidation share it. */
export function guardOf(redis: Redis): RedisGuard {
  let guard = guards.get(redis);
  if (!guard) guards.set(redis, (guard = new RedisGuard(redis)));
  return guard;
}
