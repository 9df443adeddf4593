import { randomUUID } from 'node:crypto';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context as LambdaContext } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { buildAuthApp } from '../../lambda/auth/main.js';
import { buildOrdersApp } from '../../lambda/orders/main.js';
import { IN_PROGRESS_BUDGET_MS, paymentsApp, type PaymentsDeps } from '../../lambda/payments/app.js';
import { buildPaymentsApp } from '../../lambda/payments/main.js';
import { canonicalOrderId, renderConfirmation } from '../../lambda/payments/domain.js';
import { idempotencyKeySchema } from '../../contract/schemas.js';
import { SandboxProvider } from '../../lambda/payments/provider.js';
import { makeRelay } from '../../lambda/payments/outbox.js';
import { sqsJobQueue } from '../../lambda/payments/queue.js';
import { PaymentStore } from '../../lambda/payments/store.js';
import { makePay, type PayInput } from '../../lambda/payments/usecase.js';
import { Database, databaseFromEnv } from '#shared/db.js';
import { tokenIssuerFromEnv } from '#shared/tokens.js';
import { call, hopsOf, proxyEvent } from '../support/http.js';

const env = process.env as Record<string, string>;
const sqs = new SQSClient({});
const provider = new SandboxProvider();
let db: Database;
let orders: Awaited<ReturnType<typeof buildOrdersApp>>;
let payments: Awaited<ReturnType<typeof buildPaymentsApp>>;
let token: string;
let otherToken: string;
let productId: string;

async function signUp(): Promise<string> {
  const auth = await buildAuthApp();
  const email = `payer-${randomUUID()}@example.com`;
  await call(auth, 'POST', '/auth/register', { body: { email, password: 'correct horse' } });
  return (await call(auth, 'POST', '/auth/login', { body: { email, password: 'correct horse' } })).body.token;
}
const newOrder = async (who = token): Promise<string> =>
  (await call(orders, 'POST', '/orders', { token: who, body: { items: [{ productId, quantity: 2 }] } })).body.orderId;
const pay = (orderId: string, key: string, card = 'tok_visa', who = token) =>
  call(payments, 'POST', '/payments', {
    token: who,
    headers: { 'idempotency-key': key },
    body: { orderId, paymentMethod: { token: card } },
  });
/** Charges made under the client's Idempotency-Key `key` (the provider's key is scoped to the order). */
const chargesFor = (key: string) => provider.charges.filter((c) => c.idempotencyKey.endsWith(`:${key}`)).length;
const outboxRows = async (orderId: string) =>
  (await db.writer.query("SELECT id, sent_at FROM outbox WHERE payload->>'orderId' = $1", [orderId])).rows;

/** Drains the run's email queue and returns the jobs of one order. */
async function queuedJobs(orderId: string): Promise<unknown[]> {
  const found: unknown[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: env.EMAIL_QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const m of res.Messages ?? []) {
      const job = JSON.parse(m.Body!);
      if (job.orderId === orderId) found.push(job);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: env.EMAIL_QUEUE_URL, ReceiptHandle: m.ReceiptHandle! }));
    }
    if ((res.Messages ?? []).length === 0 && found.length > 0) break;
  }
  return found;
}

beforeAll(async () => {
  db = await databaseFromEnv({ ...env, DB_PORT: 5432, DB_SSL: 'disable' } as never);
  [orders, payments] = await Promise.all([buildOrdersApp(), buildPaymentsApp(provider)]);
  [token, otherToken] = await Promise.all([signUp(), signUp()]);
  const { rows } = await db.writer.query<{ id: string }>(
    "INSERT INTO products (sku, name, price_cents, currency, stock) VALUES ($1, 'Espresso cup', 1250, 'EUR', 1000) RETURNING id",
    [`pay-${randomUUID()}`],
  );
  productId = rows[0].id;
});
afterAll(() => db.close());

describe('domain', () => {
  test('Idempotency-Key is 8 to 128 visible characters', () => {
    expect(idempotencyKeySchema.safeParse('abcdefgh').success).toBe(true);
    expect(idempotencyKeySchema.safeParse('short').success).toBe(false);
    expect(idempotencyKeySchema.safeParse('x'.repeat(129)).success).toBe(false);
    expect(idempotencyKeySchema.safeParse('has space in it').success).toBe(false);
  });

  test('an order id is a UUID in any case, lower-cased; anything else is no order id', () => {
    expect(canonicalOrderId('3F2504E0-4F89-11D3-9A0C-0305E82C3301')).toBe('3f2504e0-4f89-11d3-9a0c-0305e82c3301');
    expect(canonicalOrderId('00000000-0000-0000-0000-000000000001')).toBe('00000000-0000-0000-0000-000000000001');
    expect(canonicalOrderId('not-a-uuid')).toBeUndefined();
    expect(canonicalOrderId('3f2504e0-4f89-11d3-9a0c-0305e82c33011')).toBeUndefined();
  });

  test('the confirmation lists the order, its items and the total', () => {
    const { subject, text } = renderConfirmation({
      jobId: 'j',
      orderId: 'o-1',
      to: 'a@b.c',
      totalCents: 2500,
      currency: 'EUR',
      items: [{ name: 'Espresso cup', quantity: 2, unitPriceCents: 1250 }],
    });
    expect(subject).toContain('o-1');
    expect(text).toContain('2 x Espresso cup @ 12.50 EUR');
    expect(text).toContain('Total paid: 25.00 EUR');
  });
});

describe('POST /payments', () => {
  test('201 SUCCEEDED, the order is PAID, and one confirmation job is queued', async () => {
    const orderId = await newOrder();
    const key = `key-${randomUUID()}`;
    const res = await pay(orderId, key);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ orderId, status: 'SUCCEEDED', amountCents: 2500, currency: 'EUR' });
    // Its journey, hop by hop: the key recorded, the attempt, the charge, the commit, the marker, the job sent and marked, the key's result.
    expect(hopsOf(res.headers)).toEqual([
      'idempotency:put',
      'db:primary',
      'provider:charge',
      'db:primary',
      'db:primary',
      'marker:write',
      'queue:send',
      'db:primary',
      'idempotency:update',
      'app',
    ]);
    expect((await call(orders, 'GET', `/orders/${orderId}`, { token })).body.status).toBe('PAID');
    const jobs = await queuedJobs(orderId);
    expect(jobs).toEqual([
      expect.objectContaining({ orderId, totalCents: 2500, items: [{ name: 'Espresso cup', quantity: 2, unitPriceCents: 1250 }] }),
    ]);
    expect((await outboxRows(orderId))[0].sent_at).not.toBeNull();
  });

  test('a replay with the same key and body returns the first response and charges nothing more', async () => {
    const orderId = await newOrder();
    const key = `key-${randomUUID()}`;
    const first = await pay(orderId, key);
    const replay = await pay(orderId, key);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    // Answered from the idempotency record: no database, no provider.
    expect(hopsOf(replay.headers)).toEqual(['idempotency:put', 'app']);
    expect(chargesFor(key)).toBe(1);
  });

  test('two users with the same Idempotency-Key string are two charges under distinct provider keys', async () => {
    const key = `key-${randomUUID()}`;
    const [mine, theirs] = [await newOrder(), await newOrder(otherToken)];
    expect((await pay(mine, key)).status).toBe(201);
    expect((await pay(theirs, key, 'tok_visa', otherToken)).status).toBe(201);
    const providerKeys = provider.charges.filter((c) => c.idempotencyKey.endsWith(key)).map((c) => c.idempotencyKey);
    expect(providerKeys.sort()).toEqual([`${mine}:${key}`, `${theirs}:${key}`].sort());
  });

  test('422 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
    const key = `key-${randomUUID()}`;
    await pay(await newOrder(), key);
    const res = await pay(await newOrder(), key);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  test.each([
    ['missing', undefined],
    ['too short', 'abc'],
  ])('400 naming the header for a %s Idempotency-Key', async (_, key) => {
    const res = await call(payments, 'POST', '/payments', {
      token,
      headers: key ? { 'idempotency-key': key } : {},
      body: { orderId: randomUUID(), paymentMethod: { token: 'tok_visa' } },
    });
    expect(res.status).toBe(400);
  });

  test('400 naming the field for a body without a payment method', async () => {
    const res = await call(payments, 'POST', '/payments', {
      token,
      headers: { 'idempotency-key': `key-${randomUUID()}` },
      body: { orderId: randomUUID() },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('paymentMethod');
  });

  test("401 without a token; 404 for an unknown order and for another user's", async () => {
    expect((await call(payments, 'POST', '/payments', { body: {} })).status).toBe(401);
    expect((await pay(randomUUID(), `key-${randomUUID()}`)).status).toBe(404);
    const theirs = await newOrder(otherToken);
    const res = await pay(theirs, `key-${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ORDER_NOT_FOUND');
  });

  test('404 ORDER_NOT_FOUND for a malformed order id, before anything is charged or recorded', async () => {
    const key = `key-${randomUUID()}`;
    const res = await pay('not-a-uuid', key);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ORDER_NOT_FOUND');
    expect(chargesFor(key)).toBe(0);
  });

  test('an upper-case order id pays the order and answers its canonical id', async () => {
    const orderId = await newOrder();
    const res = await pay(orderId.toUpperCase(), `key-${randomUUID()}`);
    expect(res.status).toBe(201);
    expect(res.body.orderId).toBe(orderId);
    expect(await outboxRows(orderId)).toHaveLength(1);
  });

  test('409 ORDER_NOT_PAYABLE for an order already paid, with a new key', async () => {
    const orderId = await newOrder();
    await pay(orderId, `key-${randomUUID()}`);
    const res = await pay(orderId, `key-${randomUUID()}`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ORDER_NOT_PAYABLE');
  });

  test('402 PAYMENT_DECLINED leaves the order PENDING and owes no email', async () => {
    const orderId = await newOrder();
    const res = await pay(orderId, `key-${randomUUID()}`, 'tok_decline');
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('PAYMENT_DECLINED');
    expect((await call(orders, 'GET', `/orders/${orderId}`, { token })).body.status).toBe('PENDING');
    expect(await outboxRows(orderId)).toEqual([]);
  });

  test('503 PAYMENT_PROVIDER_UNAVAILABLE, then the retry with the same key succeeds once', async () => {
    const orderId = await newOrder();
    const key = `key-${randomUUID()}`;
    const failed = await pay(orderId, key, 'tok_transient');
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('PAYMENT_PROVIDER_UNAVAILABLE');
    const retried = await pay(orderId, key, 'tok_transient');
    expect(retried.status).toBe(201);
    const again = await pay(orderId, key, 'tok_transient');
    expect(again.body.paymentId).toBe(retried.body.paymentId);
    expect(chargesFor(key)).toBe(1);
  });

  test('20 concurrent payments with one key: one charge, one payment row, one email job', async () => {
    const orderId = await newOrder();
    const key = `key-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 20 }, () => pay(orderId, key)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(results.map((r) => r.body.paymentId)).size).toBe(1);
    expect(chargesFor(key)).toBe(1);
    const { rows } = await db.writer.query('SELECT count(*)::int AS n FROM payments WHERE order_id = $1', [orderId]);
    expect(rows[0].n).toBe(1);
    expect(await outboxRows(orderId)).toHaveLength(1);
    expect(await queuedJobs(orderId)).toHaveLength(1);
  });

  test('concurrent payments of one order with different keys: the row lock lets one charge', async () => {
    const orderId = await newOrder();
    const keys = Array.from({ length: 5 }, () => `key-${randomUUID()}`);
    const results = await Promise.all(keys.map((k) => pay(orderId, k)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(4);
    expect(keys.reduce((n, k) => n + chargesFor(k), 0)).toBe(1);
  });
});

describe('a payment left in progress', () => {
  /**
   * The payments app on the real stores, whose first payment never finishes, as when its process
   * dies mid-payment; later payments are real.
   */
  function appWhoseFirstPaymentDies(options: Pick<PaymentsDeps, 'inProgressBudgetMs' | 'inProgressWaitMs'> = {}) {
    const persistenceStore = new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE });
    const realPay = makePay({ store: new PaymentStore(db), provider, queue: sqsJobQueue(env.EMAIL_QUEUE_URL) });
    let calls = 0;
    const pay = (input: PayInput) => (++calls === 1 ? new Promise<never>(() => undefined) : realPay(input));
    const app = paymentsApp({ pay, persistenceStore, tokens: tokenIssuerFromEnv(env as never), ping: async () => undefined, ...options });
    return { app, persistenceStore };
  }

  /** The DynamoDB idempotency record of a payment, once it has been written. */
  async function recordOf(store: DynamoDBPersistenceLayer, input: PayInput): Promise<IdempotencyRecord> {
    for (let i = 0; ; i++) {
      try {
        return await store.getRecord(input as never);
      } catch (err) {
        if (i === 50) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  test('off Lambda, the record expires after the in-progress budget, and a retry with the same key pays once', async () => {
    const { app, persistenceStore } = appWhoseFirstPaymentDies({ inProgressBudgetMs: 1_000, inProgressWaitMs: 5_000 });
    const orderId = await newOrder();
    const key = `key-${randomUUID()}`;
    const request = { token, headers: { 'idempotency-key': key }, body: { orderId, paymentMethod: { token: 'tok_visa' } } };
    const started = Date.now();
    void call(app, 'POST', '/payments', request);
    const record = await recordOf(persistenceStore, { userId: userIdOf(token), key, orderId, token: 'tok_visa' });
    expect(record.getStatus()).toBe('INPROGRESS');
    expect(record.inProgressExpiryTimestamp).toBeGreaterThanOrEqual(started + 1_000);
    expect(record.inProgressExpiryTimestamp).toBeLessThanOrEqual(Date.now() + 1_000);

    const retried = await call(app, 'POST', '/payments', request);
    expect(retried.status).toBe(201);
    expect(chargesFor(key)).toBe(1);
  });

  test("on Lambda, the record's in-progress expiry is the invocation's remaining time", async () => {
    const { app, persistenceStore } = appWhoseFirstPaymentDies();
    const orderId = await newOrder();
    const key = `key-${randomUUID()}`;
    const remainingMs = 5_000;
    const context = { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => remainingMs } as LambdaContext;
    const event = proxyEvent('POST', '/payments', {
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
      body: { orderId, paymentMethod: { token: 'tok_visa' } },
    });
    const started = Date.now();
    void handle(app)(event, context);
    const record = await recordOf(persistenceStore, { userId: userIdOf(token), key, orderId, token: 'tok_visa' });
    expect(record.inProgressExpiryTimestamp).toBeGreaterThanOrEqual(started + remainingMs);
    expect(record.inProgressExpiryTimestamp).toBeLessThan(started + IN_PROGRESS_BUDGET_MS);
  });
});

describe('outbox relay', () => {
  test('a job whose send failed after the commit is relayed, once', async () => {
    const store = new PaymentStore(db);
    const sqsDown = {
      send: async () => {
        throw new Error('SQS unreachable');
      },
    };
    const orderId = await newOrder();
    const payment = await makePay({ store, provider, queue: sqsDown })({
      userId: userIdOf(token),
      key: `key-${randomUUID()}`,
      orderId,
      token: 'tok_visa',
    });
    expect(payment.status).toBe('SUCCEEDED');
    expect((await outboxRows(orderId))[0].sent_at).toBeNull();
    // Past the payment's own chance to send it.
    await db.writer.query("UPDATE outbox SET relay_after = now() WHERE payload->>'orderId' = $1", [orderId]);

    const { relayed } = await makeRelay(store, sqsJobQueue(env.EMAIL_QUEUE_URL))();
    expect(relayed).toBeGreaterThanOrEqual(1);
    expect((await outboxRows(orderId))[0].sent_at).not.toBeNull();
    expect(await queuedJobs(orderId)).toHaveLength(1);
    const sentAgain: string[] = [];
    await makeRelay(store, { send: async (job) => void sentAgain.push(job.orderId) })();
    expect(sentAgain).not.toContain(orderId);
  });
});

function userIdOf(t: string): string {
  return JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()).sub;
}
