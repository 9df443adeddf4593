import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

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

  constructor(
    private readonly redis: Redis,
    private readonly perSecond: number,
    private readonly key = 'email:send-slot',
  ) {
    this.intervalMs = sendIntervalMs(perSecond);
  }

  /** Resolves when this caller may send, with the admission time (ms, Redis clock). */
  async acquire(): Promise<number> {
    await sleep(Number(await this.redis.eval(RESERVE, 1, this.key, this.intervalMs)));
    for (;;) {
      const [admitted, value] = (await this.redis.eval(ADMIT, 1, `${this.key}:window`, this.perSecond, randomUUID())) as [number, number];
      if (admitted === 1) return value;
      await sleep(value);
    }
  }
}

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
