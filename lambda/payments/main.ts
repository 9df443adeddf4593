import * as z from 'zod/mini';
import { databaseFromEnv } from '#shared/db.js';
import { dbEnv, loadEnv, nonEmpty, positiveInt, tokenEnv } from '#shared/env.js';
import { RecentWrites } from '#shared/recent-writes.js';
import { redisFromEnv } from '#shared/redis.js';
import { tokenIssuerFromEnv } from '#shared/tokens.js';
import { paymentsApp } from './app.js';
import { TimedDynamoDBPersistenceLayer } from './idempotency-store.js';
import { type PaymentProvider, SandboxProvider } from './provider.js';
import { sqsJobQueue } from './queue.js';
import { PaymentStore } from './store.js';
import { makePay } from './usecase.js';

export async function buildPaymentsApp(provider: PaymentProvider = new SandboxProvider()) {
  const env = loadEnv({
    ...dbEnv,
    ...tokenEnv,
    IDEMPOTENCY_TABLE: nonEmpty(),
    EMAIL_QUEUE_URL: z.url(),
    // Optional: with Redis, orders reads a just-paid order from the primary (read-your-writes).
    REDIS_HOST: z.optional(z.string()),
    REDIS_PORT: positiveInt(6379),
    REDIS_TLS: z._default(z.enum(['true', 'false']), 'false'),
    REDIS_AUTH_SECRET_ARN: z.optional(z.string()),
  });
  const db = await databaseFromEnv(env);
  const recentWrites = env.REDIS_HOST ? new RecentWrites(await redisFromEnv({ ...env, REDIS_HOST: env.REDIS_HOST })) : undefined;
  const pay = makePay({ store: new PaymentStore(db), provider, queue: sqsJobQueue(env.EMAIL_QUEUE_URL), recentWrites });
  return paymentsApp({
    pay,
    persistenceStore: new TimedDynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE }),
    tokens: tokenIssuerFromEnv(env),
    ping: () => db.ping(),
  });
}
