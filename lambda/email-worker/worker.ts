import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, metrics } from '#shared/observability.js';
import { type ConfirmationJob, confirmationJobSchema, renderConfirmation } from '#shared/confirmation.js';
import type { SendRateLimiter } from './rate-limiter.js';
import type { EmailSender } from './sender.js';
import type { SuppressionList } from './suppression.js';

export interface WorkerDeps {
  readonly sender: EmailSender;
  readonly limiter: SendRateLimiter;
  readonly persistenceStore: BasePersistenceLayer;
  readonly suppression: SuppressionList;
}

/** Time kept back from the SES call's deadline so the idempotency record is written before Lambda's timeout. */
export const SEND_DEADLINE_MARGIN_MS = 2_000;

/**
 * The SQS batch handler: each job is sent once (an idempotency record per job id, so a redelivered
 * message sends nothing), never faster than the shared limiter allows; a job that fails is reported
 * alone as a batch item failure, and after `maxReceiveCount` deliveries SQS moves it to the DLQ. A job
 * to a suppressed address (it bounced or complained) sends nothing and ends as done: retrying it
 * could never succeed.
 *
 * Where a crash can still send twice (SES has no idempotency token, so no design removes it): after
 * SES has accepted the email and before the record turns COMPLETED: one DynamoDB write, or an SES
 * answer lost on the way back. The record is INPROGRESS then, and expires with the invocation, so
 * the redelivery after the visibility timeout sends again. What keeps that window to the write
 * itself: the slot is taken before the send (a wait for the limiter is not inside it), and the SES
 * call has a deadline inside the invocation's time, so a hung call ends as a failure (record
 * removed, nothing sent twice unless SES did accept) instead of Lambda killing the process with
 * the record still INPROGRESS.
 */
export function emailWorker({ sender, limiter, persistenceStore, suppression }: WorkerDeps) {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'jobId', expiresAfterSeconds: 7 * 24 * 3600 });
  // One invocation at a time per instance: the deadline of the one in progress.
  let invocation: Context | undefined;
  const sendOnce = makeIdempotent(
    async (job: ConfirmationJob): Promise<{ messageId?: string; suppressed?: true }> => {
      if (await suppression.isSuppressed(job.to)) {
        metrics.addMetric('EmailSuppressed', MetricUnit.Count, 1);
        logger.info('confirmation not sent: address suppressed', { jobId: job.jobId, orderId: job.orderId });
        return { suppressed: true };
      }
      await limiter.acquire();
      const remaining = (invocation?.getRemainingTimeInMillis() ?? 30_000) - SEND_DEADLINE_MARGIN_MS;
      const messageId = await sender.send({ to: job.to, ...renderConfirmation(job) }, AbortSignal.timeout(Math.max(1, remaining)));
      metrics.addMetric('EmailSent', MetricUnit.Count, 1);
      logger.info('confirmation sent', { jobId: job.jobId, orderId: job.orderId, messageId });
      return { messageId };
    },
    { persistenceStore, config },
  );

  const processor = new BatchProcessor(EventType.SQS);
  const record = async (r: SQSRecord) => {
    try {
      await sendOnce(confirmationJobSchema.parse(JSON.parse(r.body)));
    } catch (error) {
      // Reported to SQS as this item's failure; the log says why, the DLQ keeps it after maxReceiveCount.
      metrics.addMetric('EmailJobFailed', MetricUnit.Count, 1);
      logger.error('confirmation job failed', { messageId: r.messageId, receiveCount: r.attributes?.ApproximateReceiveCount, error });
      throw error;
    }
  };

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    invocation = context;
    config.registerLambdaContext(context);
    try {
      return await processPartialResponse(event, record, processor, { context, throwOnFullBatchFailure: false });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
