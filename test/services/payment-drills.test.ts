import { randomUUID } from 'node:crypto';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context as LambdaContext } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import type { Redis } from 'ioredis';
import { paymentsApp } from '../../lambda/payments/app.js';
import { decideAttempt } from '../../lambda/payments/domain.js';
import { makeRelay } from '../../lambda/payments/outbox.js';
import { type PaymentProvider, SANDBOX_LEDGER_SIZE, SandboxProvider } from '../../lambda/payments/provider.js';
import { type JobQueue, sqsJobQueue } from '../../lambda/payments/queue.js';
import { PaymentStore } from '../../lambda/payments/store.js';
import { makePay } from '../../lambda/payments/usecase.js';
import { CONTAINER_POOL_SIZE, Database, databaseFromEnv, LAMBDA_POOL_SIZE } from '#shared/db.js';
import { secretCredentials } from '#shared/secrets.js';
import { tokenIssuerFromEnv } from '#shared/tokens.js';
import { call, proxyEvent } from '../support/http.js';
import { createQueue } from '../support/ministack.js';
import { addProduct, env, freshRedis, ordersOn, signUp, sleep } from './support.js';

let db: Database;
let redis: Redis;
let orders: ReturnType<typeof ordersOn>;
let buyer: { token: string; userId: string };
let productId: string;
const provider = new SandboxProvider();
const persistenceStore = new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE });
const queue = sqsJobQueue(env.EMAIL_QUEUE_URL);

beforeAll(async () => {
  db = await databaseFromEnv({ ...env, DB_PORT: 5432, DB_SSL: 'disable' } as never);
  redis = await freshRedis();
  orders = ordersOn(db, redis, { reservationTtlSeconds: 900, maxOpenOrdersPerUser: 1000 });
  buyer = await signUp();
  productId = await addProduct(db, 10_000, 1250);
});
afterAll(async () => {
  redis.disconnect();
  await db.close();
});

const newOrder = async (): Promise<string> =>
  (await call(orders, 'POST', '/orders', { token: buyer.token, body: { items: [{ productId, quantity: 1 }] } })).body.orderId;

/** A payments "container": the real app on the real stores, with what the drill swaps in. */
function container(
  deps: { store?: PaymentStore; provider?: PaymentProvider; queue?: JobQueue; database?: Database; providerTimeoutMs?: number } = {},
  options: { inProgressBudgetMs?: number; inProgressWaitMs?: number } = {},
) {
  const pay = makePay({
    store: deps.store ?? new PaymentStore(deps.database ?? db),
    provider: deps.provider ?? provider,
    queue: deps.queue ?? queue,
    providerTimeoutMs: deps.providerTimeoutMs,
  });
  return paymentsApp({
    pay,
    persistenceStore,
    tokens: tokenIssuerFromEnv(env as never),
    ping: () => (deps.database ?? db).ping(),
    inProgressBudgetMs: options.inProgressBudgetMs ?? 1_000,
    inProgressWaitMs: options.inProgressWaitMs ?? 5_000,
  });
}
const payOn = (app: ReturnType<typeof container>, orderId: string, key: string, card = 'tok_visa') =>
  call(app, 'POST', '/payments', {
    token: buyer.token,
    headers: { 'idempotency-key': key },
    body: { orderId, paymentMethod: { token: card } },
  });
const chargesFor = (orderId: string, key: string) => provider.charges.filter((c) => c.idempotencyKey === `${orderId}:${key}`).length;
const paymentRows = async (orderId: string) =>
  (await db.writer.query<{ id: string; status: string }>('SELECT id, status FROM payments WHERE order_id = $1', [orderId])).rows;
const outboxRows = async (orderId: string) =>
  (await db.writer.query<{ id: string; sent_at: Date | null }>("SELECT id, sent_at FROM outbox WHERE payload->>'orderId' = $1", [orderId]))
    .rows;

/** A promise that never settles: the process died here, and nothing after this point runs. */
const die = () => new Promise<never>(() => undefined);
/** Resolves when the drill's crash point is reached. */
function crashPoint() {
  let reached!: () => void;
  const hit = new Promise<void>((r) => (reached = r));
  return { hit, reached: () => (reached(), die()) };
}

describe('attempt rules (domain, no I/O)', () => {
  const open = { status: 'PENDING' as const, lapsed: false };
  test('the key that paid gets its payment back, even once the order is PAID', () => {
    const own = { paymentId: 'p1', status: 'SUCCEEDED' as const, fingerprint: 'f' };
    expect(decideAttempt({ status: 'PAID', lapsed: false }, own, false, 'f')).toEqual({ kind: 'replay', paymentId: 'p1' });
  });
  test("the key's unfinished charge is resumed; another key waits for it", () => {
    const own = { paymentId: 'p1', status: 'PENDING' as const, fingerprint: 'f' };
    expect(decideAttempt({ status: 'PENDING', lapsed: true }, own, false, 'f')).toEqual({ kind: 'charge', resume: 'p1' });
    expect(decideAttempt(open, undefined, true, 'f')).toMatchObject({ kind: 'not-payable' });
  });
  test('another body under the key is refused; an expired or paid order is not payable', () => {
    expect(decideAttempt(open, { paymentId: 'p1', status: 'PENDING', fingerprint: 'f' }, false, 'g')).toEqual({ kind: 'key-reused' });
    expect(decideAttempt({ status: 'PENDING', lapsed: true }, undefined, false, 'f')).toMatchObject({ kind: 'not-payable' });
    expect(decideAttempt({ status: 'PAID', lapsed: false }, undefined, false, 'f')).toMatchObject({ kind: 'not-payable' });
  });
});

describe('drill 5: a replay always gets the first outcome', () => {
  /**
   * The first request dies at `crash`; after its in-progress record lapses (1 s off Lambda), the
   * client's retry with the same key and body reaches another container. Whatever the crash point:
   * one charge, one payment (the same paymentId), one email job.
   */
  async function crashThenRetry(crashed: (point: ReturnType<typeof crashPoint>) => Parameters<typeof container>[0]) {
    const orderId = await newOrder();
    const key = `key-${randomUUID()}`;
    const point = crashPoint();
    void payOn(container(crashed(point)), orderId, key);
    await point.hit;
    const recorded = await paymentRows(orderId);
    await sleep(1_100);
    const retry = await payOn(container(), orderId, key);
    const replay = await payOn(container(), orderId, key);
    expect([retry.status, replay.status]).toEqual([201, 201]);
    expect(replay.body).toEqual(retry.body);
    expect(chargesFor(orderId, key)).toBe(1);
    const rows = await paymentRows(orderId);
    expect(rows).toEqual([{ id: retry.body.paymentId, status: 'SUCCEEDED' }]);
    expect(await outboxRows(orderId)).toHaveLength(1);
    return { orderId, recorded, paymentId: retry.body.paymentId as string };
  }

  test('crash before the charge: the retry charges once, under the attempt recorded first', async () => {
    const { recorded, paymentId } = await crashThenRetry((point) => ({
      provider: { charge: () => point.reached(), refund: async () => undefined },
    }));
    expect(recorded).toEqual([{ id: paymentId, status: 'PENDING' }]);
  });

  test('crash after the charge, before the commit: the retry gets the same charge back from the provider, not a second one', async () => {
    class DiesBeforeCommit extends PaymentStore {
      override complete(): Promise<never> {
        return point.reached();
      }
    }
    let point!: ReturnType<typeof crashPoint>;
    const { recorded, paymentId } = await crashThenRetry((p) => ((point = p), { store: new DiesBeforeCommit(db) }));
    expect(recorded.map((r) => r.id)).toEqual([paymentId]);
  });

  test('crash after the commit, before the response: the retry returns the committed payment (no 409 for its own key)', async () => {
    let point!: ReturnType<typeof crashPoint>;
    class DiesAfterCommit extends PaymentStore {
      override async complete(paymentId: string, ref: string) {
        await super.complete(paymentId, ref);
        return point.reached();
      }
    }
    const { recorded, paymentId } = await crashThenRetry((p) => ((point = p), { store: new DiesAfterCommit(db) }));
    expect(recorded).toEqual([{ id: paymentId, status: 'SUCCEEDED' }]);
  });

  test('crash during the queue send: the retry returns the payment, and the relay sends the job once', async () => {
    const { orderId } = await crashThenRetry((point) => ({ queue: { send: () => point.reached() } }));
    const [row] = await outboxRows(orderId);
    expect(row.sent_at).toBeNull();
    await db.writer.query('UPDATE outbox SET relay_after = now() WHERE id = $1', [row.id]);
    const sent: string[] = [];
    const relay = makeRelay(new PaymentStore(db), { send: async (job, signal) => (sent.push(job.orderId), queue.send(job, signal)) });
    await relay();
    await relay();
    expect(sent.filter((o) => o === orderId)).toHaveLength(1);
  });

  test('a fault thrown after the charge (not a crash) is a 500, and the immediate retry completes the same payment', async () => {
    const orderId = await newOrder();
    const key = `key-${randomUUID()}`;
    class FailsOnce extends PaymentStore {
      override async complete(): Promise<never> {
        throw new Error('connection reset during COMMIT');
      }
    }
    const failed = await payOn(container({ store: new FailsOnce(db) }), orderId, key);
    expect(failed.status).toBe(500);
    const retry = await payOn(container(), orderId, key);
    expect(retry.status).toBe(201);
    expect(chargesFor(orderId, key)).toBe(1);
    expect(await paymentRows(orderId)).toEqual([{ id: retry.body.paymentId, status: 'SUCCEEDED' }]);
  });
});

describe('drill 6: a slow provider cannot take the service down', () => {
  test('hanging provider calls and their retries: other orders, payments and /health answer at once; the hung ones 503 at the deadline', async () => {
    // A container's pools, kept small so a held connection would show at once.
    const small = await Database.open({
      writerHost: '127.0.0.1',
      readerHosts: [],
      port: 5432,
      database: env.DB_NAME,
      ssl: false,
      credentials: () => secretCredentials(env.DB_SECRET_ARN),
      maxConnections: 2,
    });
    const app = container({ database: small, providerTimeoutMs: 1_500 });
    const hung = await Promise.all(Array.from({ length: 6 }, () => newOrder()));
    const fine = await Promise.all(Array.from({ length: 4 }, () => newOrder()));
    const started = Date.now();
    const hanging = hung.flatMap((orderId) => {
      const key = `key-${randomUUID()}`;
      // The client gives up and retries with the same key while the first call still hangs.
      return [payOn(app, orderId, key, 'tok_hang'), sleep(200).then(() => payOn(app, orderId, key, 'tok_hang'))];
    });
    await sleep(300);
    const timed = async <T>(p: Promise<T>) => {
      const t = Date.now();
      return { result: await p, ms: Date.now() - t };
    };
    const others = await Promise.all([
      ...fine.map((orderId) => timed(payOn(app, orderId, `key-${randomUUID()}`))),
      timed(call(orders, 'POST', '/orders', { token: buyer.token, body: { items: [{ productId, quantity: 1 }] } })),
      timed(call(app, 'GET', '/health')),
    ]);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(others.map((o) => o.result.status)).toEqual([201, 201, 201, 201, 201, 200]);
    expect(Math.max(...others.map((o) => o.ms))).toBeLessThan(1_000);
    const stuck = await Promise.all(hanging);
    // The first of each pair hit the deadline; its retry waited for it (in progress) and then did the same.
    expect(new Set(stuck.map((r) => r.body.error?.code))).toEqual(new Set(['PAYMENT_PROVIDER_UNAVAILABLE']));
    await small.close();
  });

  test('every pool sets the session limits; pools are sized for Lambda or a container', async () => {
    const { rows } = await db.writer.query<Record<string, string>>(
      `SELECT current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock,
              current_setting('idle_in_transaction_session_timeout') AS idle`,
    );
    expect(rows[0]).toEqual({ statement: '5s', lock: '2s', idle: '10s' });
    const onLambda = await databaseFromEnv({ ...env, DB_PORT: 5432, DB_SSL: 'disable', AWS_LAMBDA_FUNCTION_NAME: 'payments' } as never);
    expect([onLambda.writer.options.max, db.writer.options.max]).toEqual([LAMBDA_POOL_SIZE, CONTAINER_POOL_SIZE]);
    await onLambda.close();
  });

  test('a payment queued behind a lock someone holds waits lock_timeout (2 s), then answers: it never hangs', async () => {
    const client = await db.writer.connect();
    const orderId = await newOrder();
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
    client.on('error', () => undefined);
    // A payment of that order waits for the lock at most lock_timeout, then answers (500, not a hang).
    const t = Date.now();
    const blocked = await payOn(container(), orderId, `key-${randomUUID()}`);
    expect(blocked.status).toBe(500);
    expect(Date.now() - t).toBeLessThan(3_000);
    client.release(true);
  });
});

describe('drill 7: PAYMENT_IN_PROGRESS is reachable on Lambda', () => {
  test("a concurrent duplicate answers 409 PAYMENT_IN_PROGRESS before its own invocation's deadline", async () => {
    const orderId = await newOrder();
    const key = `key-${randomUUID()}`;
    const point = crashPoint();
    const app = container({ provider: { charge: () => point.reached(), refund: async () => undefined } }, { inProgressWaitMs: 10_000 });
    const event = proxyEvent('POST', '/payments', {
      headers: { authorization: `Bearer ${buyer.token}`, 'idempotency-key': key },
      body: { orderId, paymentMethod: { token: 'tok_visa' } },
    });
    const context = (remainingMs: number) => {
      const deadline = Date.now() + remainingMs;
      return { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => deadline - Date.now() } as LambdaContext;
    };
    void handle(app)(event, context(20_000));
    await point.hit;
    const started = Date.now();
    // A 3 s function timeout: waiting the configured 10 s would be killed by Lambda (a 502), never a 409.
    const duplicate = await handle(app)(event, context(3_000));
    const took = Date.now() - started;
    expect(duplicate.statusCode).toBe(409);
    expect(JSON.parse(duplicate.body).error.code).toBe('PAYMENT_IN_PROGRESS');
    expect(took).toBeLessThan(3_000);
    expect(took).toBeGreaterThanOrEqual(1_500);
  });
});

describe('drill 10: the relay sends row by row', () => {
  /** Paid orders whose own send failed after the commit: their rows wait in the outbox. */
  async function unsentRows(n: number): Promise<{ orderId: string; outboxId: string }[]> {
    const sqsDown = { send: async () => Promise.reject(new Error('SQS unreachable')) };
    const app = container({ queue: sqsDown });
    const rows = [];
    for (let i = 0; i < n; i++) {
      const orderId = await newOrder();
      expect((await payOn(app, orderId, `key-${randomUUID()}`)).status).toBe(201);
      rows.push({ orderId, outboxId: (await outboxRows(orderId))[0].id });
    }
    return rows;
  }
  const makeDue = (ids: string[]) => db.writer.query('UPDATE outbox SET relay_after = now() WHERE id = ANY($1::uuid[])', [ids]);
  const outbox = async (id: string) =>
    (await db.writer.query('SELECT sent_at, attempts, last_error, relay_after > now() AS waiting FROM outbox WHERE id = $1', [id])).rows[0];

  test('a row SQS refuses does not hold up the others; sent rows are not sent again; a row just written is left to its payment', async () => {
    const { url } = await createQueue(`storefront-test-${env.TEST_RUN_ID}-relay`);
    const real = sqsJobQueue(url);
    const [a, poison, c] = await unsentRows(3);
    await makeDue([a.outboxId, poison.outboxId, c.outboxId]);
    const fresh = (await unsentRows(1))[0];
    const sent: string[] = [];
    const refusing: JobQueue = {
      async send(job, signal) {
        // As SQS answers a message it will not take (e.g. InvalidParameterValue): for this row only.
        if (job.orderId === poison.orderId) throw new Error('InvalidParameterValue: message rejected');
        await real.send(job, signal);
        sent.push(job.orderId);
      },
    };
    const relay = makeRelay(new PaymentStore(db), refusing);
    const first = await relay();
    expect(first.failed).toBeGreaterThanOrEqual(1);
    expect(sent).toEqual(expect.arrayContaining([a.orderId, c.orderId]));
    expect(sent).not.toContain(fresh.orderId);
    expect(await outbox(poison.outboxId)).toMatchObject({ sent_at: null, attempts: 1, waiting: true });
    expect((await outbox(poison.outboxId)).last_error).toContain('InvalidParameterValue');
    for (const row of [a, c]) expect((await outbox(row.outboxId)).sent_at).not.toBeNull();

    sent.length = 0;
    await relay();
    expect(sent.filter((o) => [a.orderId, c.orderId, poison.orderId, fresh.orderId].includes(o))).toEqual([]);
  });

  test('a relay whose start-up fails (bad configuration) starts again on the next invocation', async () => {
    const saved = process.env.EMAIL_QUEUE_URL;
    process.env.EMAIL_QUEUE_URL = 'not a url';
    let relay!: typeof import('../../lambda/payments/relay.js');
    await jest.isolateModulesAsync(async () => {
      relay = await import('../../lambda/payments/relay.js');
    });
    await expect(relay.handler()).rejects.toThrow(/EMAIL_QUEUE_URL/);
    process.env.EMAIL_QUEUE_URL = saved;
    await expect(relay.handler()).resolves.toMatchObject({ relayed: expect.any(Number), failed: expect.any(Number) });
  });
});

describe('smaller: the sandbox provider is bounded', () => {
  test('past SANDBOX_LEDGER_SIZE keys it forgets the oldest, like a provider forgetting old idempotency keys', async () => {
    const sandbox = new SandboxProvider();
    const signal = AbortSignal.timeout(60_000);
    await Promise.all(
      Array.from({ length: SANDBOX_LEDGER_SIZE + 500 }, (_, i) =>
        sandbox
          .charge({ token: i % 2 ? 'tok_visa' : 'tok_transient', amountCents: 1, currency: 'USD', idempotencyKey: `k${i}` }, signal)
          .catch(() => undefined),
      ),
    );
    expect(sandbox.charges.length).toBeLessThanOrEqual(SANDBOX_LEDGER_SIZE);
    expect(sandbox.remembered).toBeLessThanOrEqual(2 * SANDBOX_LEDGER_SIZE);
    // Within the window it still deduplicates.
    const again = await sandbox.charge(
      { token: 'tok_visa', amountCents: 1, currency: 'USD', idempotencyKey: `k${SANDBOX_LEDGER_SIZE + 499}` },
      signal,
    );
    expect(sandbox.charges.filter((c) => c.reference === again)).toHaveLength(1);
  });
});
