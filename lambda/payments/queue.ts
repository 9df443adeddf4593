import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { HOPS, timed } from '#shared/server-timing.js';
import type { ConfirmationJob } from './domain.js';

/** Where confirmation jobs go. */
export interface JobQueue {
  /** `signal`: the caller's deadline (the outbox relay sends whatever did not make it). */
  send(job: ConfirmationJob, signal?: AbortSignal): Promise<void>;
}

export function sqsJobQueue(queueUrl: string, client = new SQSClient({})): JobQueue {
  return {
    async send(job, signal) {
      await timed(HOPS.queue, 'send', () =>
        client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(job) }), { abortSignal: signal }),
      );
    },
  };
}
