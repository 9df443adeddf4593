import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import * as z from 'zod/mini';
import { loadEnv, nonEmpty, redisEnv } from '#shared/env.js';
import { initOnce } from '#shared/init.js';
import { redisFromEnv } from '#shared/redis.js';
import { LIMITER_PROBE_MS, SendRateLimiter } from './rate-limiter.js';
import { sesSender } from './sender.js';
import { dynamoSuppressionList } from './suppression.js';
import { emailWorker } from './worker.js';

const env = loadEnv({
  ...redisEnv,
  IDEMPOTENCY_TABLE: nonEmpty(),
  EMAIL_SENDER: nonEmpty(3),
  EMAIL_RATE_PER_SECOND: z.coerce.number().check(z.positive()),
  EMAIL_WORKER_CONCURRENCY: z.coerce.number().check(z.multipleOf(1), z.positive()),
});

const worker = initOnce(async () =>
  emailWorker({
    sender: sesSender(env.EMAIL_SENDER),
    limiter: new SendRateLimiter(
      await redisFromEnv(env, { reconnectMaxMs: LIMITER_PROBE_MS }),
      env.EMAIL_RATE_PER_SECOND,
      undefined,
      env.EMAIL_WORKER_CONCURRENCY,
    ),
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE }),
    suppression: dynamoSuppressionList(env.IDEMPOTENCY_TABLE),
  }),
);

export const handler = async (...args: Parameters<Awaited<ReturnType<typeof worker>>>) => (await worker())(...args);
