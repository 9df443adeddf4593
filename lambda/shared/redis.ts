import { Redis } from 'ioredis';
import { secretString } from './secrets.js';

export interface RedisSettings {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly password?: string;
  readonly keyPrefix?: string;
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
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
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

export async function redisFromEnv(env: {
  REDIS_HOST: string;
  REDIS_PORT: number;
  REDIS_TLS: 'true' | 'false';
  REDIS_AUTH_SECRET_ARN?: string;
}): Promise<Redis> {
  const redis = createRedis({
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
