import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ConfirmationJob } from './domain.js';

/** Where confirmation jobs go. */
export interface JobQueue {
  send(job: ConfirmationJob): Promise<void>;
}

export function sqsJobQueue(queueUrl: string, client = new SQSClient({})): JobQueue {
  return {
    async send(job) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(job) }));
    },
  };
}
