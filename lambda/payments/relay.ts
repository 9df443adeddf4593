import * as z from 'zod/mini';
import { databaseFromEnv } from '#shared/db.js';
import { dbEnv, loadEnv } from '#shared/env.js';
import { initOnce } from '#shared/init.js';
import { metrics } from '#shared/observability.js';
import { makeRelay, type RelayResult } from './outbox.js';
import { sqsJobQueue } from './queue.js';
import { PaymentStore } from './store.js';

// Built on the first invocation and rebuilt on the next if it failed, like the services' start-up.
const relay = initOnce(async () => {
  const env = loadEnv({ ...dbEnv, EMAIL_QUEUE_URL: z.url() });
  return makeRelay(new PaymentStore(await databaseFromEnv(env)), sqsJobQueue(env.EMAIL_QUEUE_URL));
});

/** Scheduled every minute. */
export async function handler(): Promise<RelayResult> {
  try {
    return await (
      await relay()
    )();
  } finally {
    metrics.publishStoredMetrics();
  }
}
