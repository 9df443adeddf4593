import * as z from 'zod/mini';
import { databaseFromEnv } from '#shared/db.js';
import { dbEnv, loadEnv } from '#shared/env.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '#shared/observability.js';
import { sqsJobQueue } from './queue.js';
import { PaymentStore } from './store.js';

const env = loadEnv({ ...dbEnv, EMAIL_QUEUE_URL: z.url() });
const ready = databaseFromEnv(env).then((db) => new PaymentStore(db));
const queue = sqsJobQueue(env.EMAIL_QUEUE_URL);

/** Scheduled every minute: sends the confirmation jobs whose send failed after their commit. */
export async function handler(): Promise<{ relayed: number }> {
  const store = await ready;
  const relayed = await store.relayUnsent(100, (row) => queue.send(row.payload));
  // Any relayed row means a send failed after its commit: worth a metric (and an alarm if it persists).
  metrics.addMetric('OutboxRelayed', MetricUnit.Count, relayed);
  metrics.publishStoredMetrics();
  if (relayed > 0) logger.info('outbox relayed', { relayed });
  return { relayed };
}
