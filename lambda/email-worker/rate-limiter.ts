import type { Redis } from 'ioredis';

/**
 * Reserves the next send slot, shared by every worker through Redis' own clock: each call moves the
 * "next free slot" forward by one interval and returns how long to wait for the slot it got. Slots
 * are spaced evenly (no burst), so no one-second window ever holds more than `perSecond` sends.
 * Hand-written because the rate-limit libraries for ioredis count requests per window (which lets a
 * window boundary pass twice the rate) or reject instead of queueing; this is twelve lines of Lua.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nextFree)
redis.call('SET', KEYS[1], slot + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) * 100 + 60000)
return slot - now`;

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
    perSecond: number,
    private readonly key = 'email:send-slot',
  ) {
    this.intervalMs = sendIntervalMs(perSecond);
  }

  /** Resolves when this caller may send. */
  async acquire(): Promise<void> {
    const waitMs = Number(await this.redis.eval(RESERVE, 1, this.key, this.intervalMs));
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  }
}
