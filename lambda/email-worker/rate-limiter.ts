import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Redis } from 'ioredis';
import { logger, metrics } from '#shared/observability.js';
import { RedisGuard, RedisSkipped } from '#shared/redis.js';

/**
 * The start of every script: Redis' clock in ms (`now`), and nothing done when the call comes after
 * ARGV[1], the moment (Redis' clock) its caller stopped waiting for it. A Redis that hangs still holds
 * the calls written to it, and runs them when it wakes: without this a reservation nobody takes
 * would push every later slot back, and an admission nobody sends would fill the window, in the
 * first second after the stall. 0: no deadline (this instance has not learned Redis' clock yet).
 */
const ON_TIME = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local deadline = tonumber(ARGV[1])
if deadline > 0 and now > deadline then return {-1, now} end`;

/**
 * Two steps, both on Redis' own clock so every worker shares them. RESERVE hands out evenly spaced
 * slots (no burst): each call moves the "next free slot" forward by one interval and returns how
 * long to wait for the slot it got. ADMIT then enforces the limit itself at send time, as a sliding
 * window: a send is admitted only while fewer than `perSecond` sends were admitted in the last
 * `perSecond` intervals (1030 ms: the same 3 % as the spacing, so sends admitted together and issued a
 * few ms apart still fall in different seconds), else it learns how long to wait. The window is what
 * holds when a stalled process wakes up with several slots already due, or when many waiters retry
 * at once after an outage. Hand-written because the rate-limit libraries for ioredis count
 * requests per fixed window (a window boundary lets twice the rate through) or reject instead of
 * queueing.
 */
const RESERVE = `${ON_TIME}
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nextFree)
redis.call('SET', KEYS[1], slot + tonumber(ARGV[2]), 'PX', tonumber(ARGV[2]) * 100 + 60000)
return {slot - now, now}`;

/**
 * ADMIT's limit is `perSecond` less the local share of each instance that may still be sending
 * without Redis after an outage (KEYS[2], see REJOIN), so that the sends Redis admits and those
 * still paced locally never add up to more than the limit in one second.
 */
const ADMIT = `${ON_TIME}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[5]))
local limit = tonumber(ARGV[2]) - tonumber(ARGV[4]) * tonumber(redis.call('GET', KEYS[2]) or '0')
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  local last = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
  redis.call('PEXPIRE', KEYS[1], math.max(2000, last - now + tonumber(ARGV[5])))
  return {1, now}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
if not oldest then return {0, now, 50} end
return {0, now, tonumber(oldest) + tonumber(ARGV[5]) - now}`;

/**
 * Run once by an instance that sent on its local share and reaches Redis again. The first to come
 * back cannot know which of the others are still local, so it counts them all (ARGV[2]) for as long
 * as any could take to find Redis (ARGV[3] ms); each later one takes itself off the count. Each
 * also enters its own local sends of the last second and those already scheduled (ARGV[5..], ms ago,
 * negative when due later) into the shared window, which is kept until the last of them is a second old.
 */
const REJOIN = `${ON_TIME}
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', tonumber(ARGV[3])) and tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then
  redis.call('DECR', KEYS[2])
end
for i = 5, #ARGV do
  redis.call('ZADD', KEYS[1], now - tonumber(ARGV[i]), ARGV[4] .. i)
end
if #ARGV >= 5 then
  local last = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
  redis.call('PEXPIRE', KEYS[1], math.max(2000, last - now + 2000))
end
return {0, now}`;

/**
 * Milliseconds between two sends: 3 % over 1000 / rate. The window is measured where the provider
 * receives the calls, so a send delayed by a stalled event loop or a busy network must not land in the
 * same second as the one `perSecond` slots later: it can be up to ~30 ms late before that happens
 * (and one acted on more than half that late is given up: `lateToleranceMs`). The margin is also the
 * most the limiter leaves unused: a backlog drains at up to 1/1.03 = 97 % of the rate. At 5 % it
 * drained at 95.2 % at best, so a backlog held the 95 % the worker promises by 0.2 points, and a
 * 10 s Redis stall measured 94.9 % after it (docs/benchmarks.md, "Email worker: Redis stall").
 */
const SEND_MARGIN = 0.03;
export const sendIntervalMs = (perSecond: number): number => Math.ceil((1000 / perSecond) * (1 + SEND_MARGIN));

/**
 * How long one limiter call may wait for Redis before the send goes out on the local share: a
 * healthy Redis answers in a millisecond or two, and a job must not wait out the client's 1 s
 * command timeout on every probe of a Redis that hangs.
 */
export const LIMITER_CALL_TIMEOUT_MS = 300;
/** How often an instance on its local share probes Redis again (and the longest wait of its client between reconnects). */
export const LIMITER_PROBE_MS = 250;
/**
 * How long the first instance back counts the others as local: a probe interval, a call timeout, the
 * client's longest reconnect back-off (lambda/shared/redis.ts) and one window, rounded up.
 */
const REJOIN_WINDOW_MS = 5_000;
/** How long the clock offset of a short round trip is kept before any answer may renew it. */
const CLOCK_SAMPLE_MS = 10_000;

export class SendRateLimiter {
  /** Milliseconds between two sends. */
  readonly intervalMs: number;
  /** The sliding window ADMIT keeps: `perSecond` intervals, a second and the spacing's margin. */
  private readonly windowMs: number;
  /** Milliseconds between two sends of this instance without Redis. */
  readonly localIntervalMs: number;
  /** Sends that went out on the local fallback (Redis unreachable). */
  fallbacks = 0;
  /** Admissions given up because this process took too long to act on them (see `lateToleranceMs`). */
  lateAdmissions = 0;
  /**
   * Longest a granted admission may wait in this process before its send is issued: half the slack
   * the window keeps over one second. Admissions `perSecond` apart are at least a window apart, so
   * sends issued within this of their admission still never put more than `perSecond` in a second,
   * however the event loop is starved (a busy container, a GC pause) between Redis' answer and the
   * send. A later one still counts in the window and is not used: the limit holds, the rate gives.
   */
  private readonly lateToleranceMs: number;
  private readonly localLateToleranceMs: number;
  private readonly guard: RedisGuard;
  /** Most sends one instance makes in a second without Redis (an integer: the window is sliding). */
  private readonly localPerSecond: number;
  private localNextFree = 0;
  /** Set while this instance paces itself; cleared when REJOIN ran. */
  private local = false;
  /** This instance's local admissions (ms, its clock), for REJOIN. */
  private localSends: number[] = [];
  /** The one REJOIN in flight: concurrent sends of a batch must not take this instance off the count twice. */
  private rejoining?: Promise<void>;
  /**
   * Redis' clock less this process's (ms), from the answer with the shortest round trip (NTP's rule:
   * an answer that waited in a starved event loop would skew it), renewed every CLOCK_SAMPLE_MS: how
   * a call's deadline is put in Redis' time and an admission's age is read in ours.
   */
  private clock?: { offset: number; roundTrip: number; at: number };

  /**
   * @param instances most worker instances that run at once (the queue's `maxConcurrency`): without
   * Redis each one keeps to `floor(perSecond / instances)` sends in any second, so together they
   * still keep to the limit. (Below one send per instance per second no uncoordinated share can
   * hold it; each instance then sends one per `instances / perSecond` seconds.)
   */
  constructor(
    redis: Redis,
    private readonly perSecond: number,
    private readonly key = 'email:send-slot',
    private readonly instances = 1,
  ) {
    this.intervalMs = sendIntervalMs(perSecond);
    this.windowMs = this.intervalMs * perSecond;
    this.localPerSecond = Math.floor(perSecond / instances);
    this.localIntervalMs = this.localPerSecond >= 1 ? sendIntervalMs(this.localPerSecond) : this.intervalMs * instances;
    this.lateToleranceMs = Math.floor((this.windowMs - 1000) / 2);
    this.localLateToleranceMs = Math.floor((this.localIntervalMs * Math.max(1, this.localPerSecond) - 1000) / 2);
    // Its own breaker: the limiter probes a lost Redis more often than the cache does.
    this.guard = new RedisGuard(redis, LIMITER_PROBE_MS);
  }

  /**
   * Resolves when this caller may send, with the admission time (ms; Redis' clock, or this process's
   * on the fallback). A Redis outage does not fail the job (which would walk every job to the DLQ):
   * the limiter backs off to its local share of the rate until the breaker finds Redis again.
   */
  async acquire(): Promise<number> {
    for (;;) {
      const at = await this.acquireShared().catch((err: unknown) => {
        if (!(err instanceof RedisSkipped)) logger.warn('send limiter: Redis unreachable, keeping to the local share of the rate', { err });
        return this.acquireLocally();
      });
      if (at !== undefined) return at;
    }
  }

  /** The admission time (Redis' clock), or undefined when it came too late to use (try again). */
  private async acquireShared(): Promise<number | undefined> {
    if (this.local) await (this.rejoining ??= this.rejoin().finally(() => (this.rejoining = undefined)));
    const [wait] = await this.call(RESERVE, [this.key], [this.intervalMs]);
    await sleep(wait);
    for (;;) {
      const [admitted, now, retryIn] = await this.call(
        ADMIT,
        [`${this.key}:window`, `${this.key}:local`],
        [this.perSecond, randomUUID(), this.localPerSecond, this.windowMs],
      );
      if (admitted === 1) return this.onTime(Date.now() - (now - this.clock!.offset), this.lateToleranceMs) ? now : undefined;
      await sleep(retryIn);
    }
  }

  /**
   * One script on Redis, failing after LIMITER_CALL_TIMEOUT_MS (which opens the breaker). Every script
   * answers `[result, Redis' clock, ...]`; the call carries its deadline in Redis' clock, after which
   * Redis ignores it (ON_TIME).
   */
  private async call(script: string, keys: string[], args: Array<string | number>): Promise<number[]> {
    const sentAt = Date.now();
    const deadline = this.clock === undefined ? 0 : sentAt + this.clock.offset + LIMITER_CALL_TIMEOUT_MS;
    const reply = (await this.evalWithTimeout(script, keys, [deadline, ...args])) as number[];
    const answeredAt = Date.now();
    const roundTrip = answeredAt - sentAt;
    if (this.clock === undefined || roundTrip <= this.clock.roundTrip || answeredAt - this.clock.at > CLOCK_SAMPLE_MS) {
      // Redis read its clock about halfway through the round trip.
      this.clock = { offset: reply[1] - (sentAt + answeredAt) / 2, roundTrip, at: answeredAt };
    }
    if (reply[0] === -1) throw new Error('send limiter: the call reached Redis after its deadline');
    return reply;
  }

  private evalWithTimeout(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    // No probe while the client is still reconnecting: it would fail at once and open the breaker
    // again, whose fresh connection would cut the reconnect short, every probe interval.
    if (this.guard.open && this.guard.redis.status !== 'ready') return Promise.reject(new RedisSkipped());
    return this.guard.run(
      (r) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`send limiter: no answer from Redis in ${LIMITER_CALL_TIMEOUT_MS} ms`)),
            LIMITER_CALL_TIMEOUT_MS,
          );
          r.eval(script, keys.length, ...keys, ...args)
            .then(resolve, reject)
            .finally(() => clearTimeout(timer));
        }),
    );
  }

  private async rejoin(): Promise<void> {
    const now = Date.now();
    const ages = this.localSends.filter((t) => now - t < this.windowMs).map((t) => now - t);
    await this.call(
      REJOIN,
      [`${this.key}:window`, `${this.key}:local`],
      [this.instances - 1, REJOIN_WINDOW_MS, `${randomUUID()}:`, ...ages],
    );
    this.local = false;
    this.localSends = [];
  }

  /**
   * Evenly spaced local slots, `localPerSecond` in any second (hand-written: a few lines, no burst).
   * A slot is taken at most one probe interval ahead; a caller further back waits that long and tries
   * Redis again, so once Redis answers the queue of a batch goes back to the shared rate rather
   * than draining at the local share. Undefined: try again.
   */
  private async acquireLocally(): Promise<number | undefined> {
    if (this.rejoining)
      return this.rejoining.then(
        () => undefined,
        () => undefined,
      );
    const now = Date.now();
    if (!this.local) {
      // Up to `perSecond` sends were admitted through Redis in the second before it stopped
      // answering: the first local one waits until they are all out of the window.
      this.local = true;
      this.localNextFree = Math.max(this.localNextFree, now + sendIntervalMs(1));
    }
    const slot = Math.max(now, this.localNextFree);
    if (slot - now > LIMITER_PROBE_MS) return sleep(LIMITER_PROBE_MS).then(() => undefined);
    this.fallbacks++;
    metrics.addMetric('EmailLimiterFallback', MetricUnit.Count, 1);
    this.localNextFree = slot + this.localIntervalMs;
    this.localSends = [...this.localSends.filter((t) => now - t < this.windowMs), slot];
    await sleep(slot - now);
    return this.onTime(Date.now() - slot, this.localLateToleranceMs) ? slot : undefined;
  }

  private onTime(lateMs: number, toleranceMs: number): boolean {
    if (lateMs <= toleranceMs) return true;
    this.lateAdmissions++;
    metrics.addMetric('EmailLimiterLateAdmission', MetricUnit.Count, 1);
    return false;
  }
}

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
