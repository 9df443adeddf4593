import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Redis } from 'ioredis';
import { logger, metrics } from '#shared/observability.js';
import { guardOf, type RedisGuard, RedisSkipped } from '#shared/redis.js';

/**
 * Two steps, both on Redis' own clock so every worker shares them. RESERVE hands out evenly spaced
 * slots (no burst): each call moves the "next free slot" forward by one interval and returns how
 * long to wait for the slot it got. ADMIT then enforces the limit itself at send time, as a sliding
 * window: a send is admitted only while fewer than `perSecond` sends were admitted in the last 1000
 * ms, else it learns how long to wait. The window is what holds when a stalled process wakes up
 * with several slots already due. Hand-written because the rate-limit libraries for ioredis count
 * requests per fixed window (a window boundary lets twice the rate through) or reject instead of
 * queueing.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nextFree)
redis.call('SET', KEYS[1], slot + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) * 100 + 60000)
return slot - now`;

const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], 2000)
  return {1, now}
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return {0, oldest + 1000 - now}`;

/**
 * Milliseconds between two sends: 5 % over 1000 / rate. The window is measured where the provider
 * receives the calls, so a send delayed by a stalled event loop or a busy network must not land in the
 * same second as the one `perSecond` slots later: it can be up to ~50 ms late before that happens.
 */
export const sendIntervalMs = (perSecond: number): number => Math.ceil((1000 / perSecond) * 1.05);

export class SendRateLimiter {
  /** Milliseconds between two sends. */
  readonly intervalMs: number;
  /** Sends that went out on the local fallback (Redis unreachable). */
  fallbacks = 0;
  private readonly guard: RedisGuard;
  private localNextFree = 0;

  /**
   * @param instances most worker instances that run at once (the queue's `maxConcurrency`): without
   * Redis each one keeps to `perSecond / instances`, so together they still keep to the limit.
   */
  constructor(
    redis: Redis,
    private readonly perSecond: number,
    private readonly key = 'email:send-slot',
    private readonly instances = 1,
  ) {
    this.intervalMs = sendIntervalMs(perSecond);
    this.guard = guardOf(redis);
  }

  /**
   * Resolves when this caller may send, with the admission time (ms; Redis' clock, or this process's
   * on the fallback). A Redis outage does not fail the job (which would walk every job to the DLQ):
   * the limiter backs off to its local share of the rate until the breaker finds Redis again.
   */
  async acquire(): Promise<number> {
    try {
      await sleep(Number(await this.guard.run((r) => r.eval(RESERVE, 1, this.key, this.intervalMs))));
      for (;;) {
        const [admitted, value] = (await this.guard.run((r) => r.eval(ADMIT, 1, `${this.key}:window`, this.perSecond, randomUUID()))) as [
          number,
          number,
        ];
        if (admitted === 1) return value;
        await sleep(value);
      }
    } catch (err) {
      if (!(err instanceof RedisSkipped)) logger.warn('send limiter: Redis unreachable, keeping to the local share of the rate', { err });
      return this.acquireLocally();
    }
  }

  /** Evenly spaced local slots, `instances` times the shared interval apart (hand-written: a few lines, no burst). */
  private async acquireLocally(): Promise<number> {
    this.fallbacks++;
    metrics.addMetric('EmailLimiterFallback', MetricUnit.Count, 1);
    const now = Date.now();
    const slot = Math.max(now, this.localNextFree);
    this.localNextFree = slot + this.intervalMs * this.instances;
    await sleep(slot - now);
    return slot;
  }
}

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
