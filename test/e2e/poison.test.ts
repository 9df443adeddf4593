import { randomUUID } from 'node:crypto';
import { DeleteMessageCommand, ListQueuesCommand, ReceiveMessageCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { EMULATOR_CLIENT } from '../../scripts/local-outputs.js';

const sqs = new SQSClient(EMULATOR_CLIENT);

/** The deployed stage's queue whose name starts with `prefix` (CloudFormation names it). */
async function queueUrl(prefix: string): Promise<string> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
  expect(QueueUrls).toHaveLength(1);
  return QueueUrls[0]!;
}

describe('a poison job through the deployed email pipeline', () => {
  // local: 2 deliveries, 30 s visibility (config email.maxReceiveCount / workerTimeoutSeconds).
  test('the worker fails it on each delivery and SQS moves it to the dead-letter queue', async () => {
    const queue = await queueUrl('Storefront-local-Services-EmailQueue');
    const deadLetters = await queueUrl('Storefront-local-Services-EmailDeadLetters');
    const marker = `poison-${randomUUID()}`;
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: JSON.stringify({ marker }) }));

    const deadline = Date.now() + 150_000;
    let found: { ReceiptHandle?: string; Attributes?: Record<string, string> } | undefined;
    while (!found && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deadLetters,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 5,
          VisibilityTimeout: 1,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      found = Messages.find((m) => m.Body?.includes(marker));
    }
    expect(found).toBeDefined();
    await sqs.send(new DeleteMessageCommand({ QueueUrl: deadLetters, ReceiptHandle: found!.ReceiptHandle }));
  }, 180_000);
});
