import { randomUUID } from 'node:crypto';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { Redis } from 'ioredis';
import { connectRedis, createRedis } from '../lambda/shared/redis.js';
import { LIMITER_PROBE_MS, SendRateLimiter } from '../lambda/email-worker/rate-limiter.js';
import { type EmailSender, sesSender } from '../lambda/email-worker/sender.js';
import { dynamoSuppressionList } from '../lambda/email-worker/suppression.js';
import { emailWorker } from '../lambda/email-worker/worker.js';
import { useLocalEnvironment } from '../scripts/local-env.js';
import { createQueue, enqueue, maxPerSecond, pollInto } from '../test/support/ministack.js';
import { sentEmails } from '../test/support/ses.js';
import { machine, recordFigure, writeSection } from './support/report.js';

/**
 * `npm run bench:email`: a backlog of JOBS confirmation jobs on a fresh MiniStack queue, drained by
 * CONSUMERS concurrent copies of the real worker (each its own Redis connection, as separate Lambda
 * instances are) with a limit of RATE sends per second; the rate is read from SES's own outbox
 * timestamps, not from the worker's view of itself. With STALL_SECONDS, the limiter's Redis stops
 * answering for that long in the middle of the backlog (SIGSTOP on the bench's own
 * redis-server, REDIS_PORT, never the shared 6379): the rate is then measured before and after the
 * stall, and the run must still send every job exactly once. Exits non-zero unless every job is sent
 * once, no 1-second window holds more than RATE sends, and each measured rate is 95-100 % of RATE.
 */
const JOBS = Number(process.env.JOBS ?? 200);
const RATE = Number(process.env.RATE ?? 10);
const CONSUMERS = Number(process.env.CONSUMERS ?? 4);
const STALL_SECONDS = Number(process.env.STALL_SECONDS ?? 0);
const REDIS_PORT = Number(process.env.REDIS_PORT ?? 6379);
const MIN_SHARE = 0.95;

let sent = 0;
/** When each SES call was issued (ms): the side of the window the worker controls. */
const issued: number[] = [];
/** Counts sends, so the pollers stop once the backlog is sent (a stalled run waits out redeliveries). */
const counted = (inner: EmailSender): EmailSender => ({
  send: async (email) => {
    issued.push(Date.now());
    const id = await inner.send(email);
    sent++;
    return id;
  },
});

/** Sends per second over a run of timestamps (ms): intervals between the first and the last. */
const rateOf = (stamps: readonly number[]) => (stamps.length - 1) / ((Math.max(...stamps) - Math.min(...stamps)) / 1000);
/**
 * Sends per second from `fromMs` to the last send: after a stall, the time Redis takes to be found
 * again counts, and sends released together when the shared window frees up cannot make a short
 * run look faster than the limit.
 */
const rateSince = (fromMs: number, stamps: readonly number[]) => stamps.length / ((Math.max(...stamps) - fromMs) / 1000);

/**
 * Freezes the bench's own redis-server (SIGSTOP, then SIGCONT `seconds` later), `atMs` from now:
 * connections stay open and nothing answers, as when a cache node hangs. Resolves with when the
 * stall started and ended.
 */
function stallRedis(atMs: number, seconds: number): Promise<{ from: number; to: number }> {
  if (REDIS_PORT === 6379) throw new Error('a stall drill needs its own redis-server: set REDIS_PORT (6379 is shared)');
  return new Promise((resolve, reject) => {
    const admin = new Redis({ host: '127.0.0.1', port: REDIS_PORT, lazyConnect: true });
    admin
      .connect()
      .then(() => admin.info('server'))
      .then((info) => {
        admin.disconnect();
        const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
        if (!pid) throw new Error(`no process_id in INFO of redis on ${REDIS_PORT}`);
        // Whatever ends this process, the redis-server it froze runs again.
        process.on('exit', () => process.kill(pid, 'SIGCONT'));
        setTimeout(() => {
          const from = Date.now();
          process.kill(pid, 'SIGSTOP');
          setTimeout(() => {
            process.kill(pid, 'SIGCONT');
            resolve({ from, to: Date.now() });
          }, seconds * 1000);
        }, atMs);
      })
      .catch(reject);
  });
}

async function main(): Promise<void> {
  await useLocalEnvironment();
  const started = machine();
  const sender = process.env.EMAIL_SENDER!;
  await new SESv2Client({}).send(new CreateEmailIdentityCommand({ EmailIdentity: sender })).catch(() => undefined);
  const { url } = await createQueue('storefront-bench-email');
  const prefix = `bench-${randomUUID().slice(0, 8)}-`;
  await enqueue(
    url,
    Array.from({ length: JOBS }, (_, i) =>
      JSON.stringify({
        jobId: randomUUID(),
        orderId: `${prefix}${i}`,
        to: 'buyer@example.com',
        totalCents: 2500,
        currency: 'EUR',
        items: [{ name: 'Espresso cup', quantity: 2, unitPriceCents: 1250 }],
      }),
    ),
  );

  const limiterKey = `email:bench-slot:${prefix}`;
  const redises = Array.from({ length: CONSUMERS }, () =>
    createRedis({ host: '127.0.0.1', port: REDIS_PORT, tls: false, reconnectMaxMs: LIMITER_PROBE_MS }),
  );
  await Promise.all(redises.map((r) => connectRedis(r)));
  const startedAt = Date.now();
  // In the middle of the backlog: half of it at the configured rate.
  const stall = STALL_SECONDS > 0 ? stallRedis((JOBS / RATE / 2) * 1000, STALL_SECONDS) : undefined;
  await Promise.all(
    redises.map((redis) =>
      pollInto(
        url,
        emailWorker({
          sender: counted(sesSender(sender)),
          // As the handler builds it: each consumer knows how many run at once (its share without Redis).
          limiter: new SendRateLimiter(redis, RATE, limiterKey, CONSUMERS),
          persistenceStore: new DynamoDBPersistenceLayer({ tableName: process.env.IDEMPOTENCY_TABLE! }),
          suppression: dynamoSuppressionList(process.env.IDEMPOTENCY_TABLE!),
        }),
        // A job failed during a stall would come back after the queue's visibility timeout (30 s).
        { idleRounds: STALL_SECONDS > 0 ? 40 : 2, until: () => sent >= JOBS },
      ),
    ),
  );
  const wall = (Date.now() - startedAt) / 1000;
  redises.forEach((r) => r.disconnect());
  const stalled = await stall;

  const emails = (await sentEmails()).filter((e) => e.Subject.includes(prefix));
  const stamps = emails.map((e) => e.Timestamp * 1000).sort((a, b) => a - b);
  const distinct = new Set(emails.map((e) => e.Subject)).size;
  const maxWindow = maxPerSecond(issued);
  const maxArrivalWindow = maxPerSecond(stamps);
  const phases: Array<[string, number[], number?]> = stalled
    ? [
        ['before the stall', stamps.filter((t) => t < stalled.from)],
        ['after the stall (from when Redis answers again)', stamps.filter((t) => t >= stalled.to), stalled.to],
        ['during the stall (local shares; not judged)', stamps.filter((t) => t >= stalled.from && t < stalled.to)],
      ]
    : [['whole backlog', stamps]];
  const firstAfter = stalled ? stamps.find((t) => t >= stalled.to) : undefined;
  // Where the seconds around the end of the stall went: each send the worker issued, ms after Redis answered again.
  // Where the fullest second was, relative to the stall: the sends in it, ms after Redis stopped answering.
  const sortedIssued = [...issued].sort((a, b) => a - b);
  const fullest = sortedIssued
    .map((t, i) => sortedIssued.filter((u) => u >= t && u < t + 1000).length === maxWindow && i)
    .find((i) => i !== false);
  const fullestSecond =
    typeof fullest === 'number'
      ? sortedIssued
          .filter((u) => u >= sortedIssued[fullest] && u < sortedIssued[fullest] + 1000)
          .map((u) => u - (stalled?.from ?? startedAt))
          .join(', ')
      : '';
  const aroundResume = stalled
    ? issued
        .filter((t) => t >= stalled.to - 1000 && t < stalled.to + 2000)
        .map((t) => t - stalled.to)
        .join(', ')
    : '';
  let ok = stamps.length === JOBS && distinct === JOBS && maxWindow <= RATE;
  const rows = phases.map(([name, ts, since]) => {
    const r = ts.length > 1 ? (since === undefined ? rateOf(ts) : rateSince(since, ts)) : 0;
    const judged = !name.includes('not judged');
    const inBand = !judged || (r >= MIN_SHARE * RATE && r <= RATE);
    ok &&= inBand;
    return `| ${name} | ${ts.length} | ${r.toFixed(2)} sends/s | **${((100 * r) / RATE).toFixed(1)} %**${inBand ? '' : ' **MISSED**'} |`;
  });
  const text = `Measured ${started} by \`${STALL_SECONDS > 0 ? `STALL_SECONDS=${STALL_SECONDS} ` : ''}npm run bench:email\` (bench/email-rate.ts): ${JOBS} confirmation jobs
on a fresh MiniStack SQS queue, drained by ${CONSUMERS} concurrent copies of the real worker (batches of 10,
Powertools batch + idempotency on DynamoDB, SES v2 on MiniStack), each with its own Redis connection and
one shared limiter key, limit ${RATE} sends/s.${stalled ? ` The limiter's Redis (its own redis-server) stalled for ${STALL_SECONDS} s (SIGSTOP) ${((stalled.from - startedAt) / 1000).toFixed(1)} s into the run; the first send after it came ${firstAfter ? `${((firstAfter - stalled.to) / 1000).toFixed(2)} s after Redis answered again` : 'never'}. Without Redis each consumer keeps to ${Math.floor(RATE / CONSUMERS)} sends in any second (the integer part of its share: the window slides, and the consumers do not know each other's phase), so the stall's own rate is at most ${Math.floor(RATE / CONSUMERS) * CONSUMERS}/s, less the second each waits out when Redis stops answering.` : ''} Times are MiniStack's SES outbox timestamps.

| phase | sends | rate | share of the limit (target 95-100 %) |
|---|---|---|---|
${rows.join('\n')}

| figure | value |
|---|---|
| emails sent / distinct jobs / jobs | ${stamps.length} / ${distinct} / ${JOBS} |
| wall time incl. queue polling | ${wall.toFixed(2)} s |
| **most sends in any sliding 1-second window, as the worker issued them** | **${maxWindow}** (limit ${RATE}) |
| most in any 1-second window of MiniStack's arrival stamps | ${maxArrivalWindow} |
| the fullest second as issued (ms after ${stalled ? 'Redis stopped answering' : 'the start'}) | ${fullestSecond} |${stalled ? `\n| sends issued from 1 s before to 2 s after Redis answered again (ms after it) | ${aroundResume} |` : ''}

Target ${ok ? 'met' : '**MISSED**'}: every job sent once, no window above the limit (send side), each rate 95-100 % of the limit.
The window is judged where the worker controls it, when each SES call is issued: the limiter admits a send only
while fewer than ${RATE} were admitted in the last second (Redis clock). The emulator's arrival stamps add its own
scheduling jitter on a shared machine (calls issued ~100 ms apart can land closer), so they are shown, not judged.`;
  if (!stalled && stamps.length > 1) {
    recordFigure('email.shareOfLimit', {
      value: Number((rateOf(stamps) / RATE).toFixed(3)),
      unit: 'share of the configured sends/s',
      what: `send rate the worker holds against its limit (${CONSUMERS} consumers, ${RATE}/s, MiniStack SES stamps)`,
      by: 'npm run bench:email',
    });
  }
  console.log(text);
  writeSection(STALL_SECONDS > 0 ? 'Email worker: Redis stall' : 'Email worker', text);
  if (!ok) process.exitCode = 1;
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
