import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * Per-run resources on MiniStack and a stand-in for Lambda's SQS event source mapping, so the email
 * worker's real handler is driven the way AWS drives it: batches of up to 10, failed items left on
 * the queue (visible again after the visibility timeout), succeeded ones deleted.
 */
const sqs = new SQSClient({});

/** A queue named for this run; with `deadLetterAfter`, a DLQ receives what failed that many times. */
export async function createQueue(
  name: string,
  opts: { deadLetterAfter?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<{ url: string; dlqUrl?: string }> {
  const unique = `${name}-${randomUUID().slice(0, 8)}`;
  let dlqUrl: string | undefined;
  const attributes: Record<string, string> = { VisibilityTimeout: String(opts.visibilityTimeoutSeconds ?? 30) };
  if (opts.deadLetterAfter !== undefined) {
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${unique}-dlq` }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: opts.deadLetterAfter });
  }
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: unique, Attributes: attributes }))).QueueUrl!;
  return { url, dlqUrl };
}

/** Sends message bodies in batches of 10 (the SQS maximum). */
export async function enqueue(queueUrl: string, bodies: readonly string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body }));
    const res = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if (res.Failed?.length) throw new Error(`SQS refused ${res.Failed.length} messages`);
  }
}

/** Messages currently on a queue (visible ones), without consuming them. */
export async function visibleMessages(queueUrl: string): Promise<number> {
  const res = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(res.Attributes?.ApproximateNumberOfMessages ?? 0);
}

/** Enough of a Lambda context for Powertools (idempotency reads the remaining time). */
export function lambdaContext(timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'email-worker',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:email-worker',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/email-worker',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * One poller, as one concurrent Lambda instance would be fed: receives up to 10 messages, invokes the
 * handler, deletes what did not fail. Stops when `until()` is true or after `idleRounds` empty receives.
 */
export async function pollInto(
  queueUrl: string,
  handler: SqsHandler,
  opts: { until?: () => boolean; idleRounds?: number } = {},
): Promise<{ invocations: number; failures: number }> {
  let invocations = 0;
  let failures = 0;
  let idle = 0;
  while (!opts.until?.() && idle < (opts.idleRounds ?? 2)) {
    const res = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const messages = res.Messages ?? [];
    if (messages.length === 0) {
      idle++;
      continue;
    }
    idle = 0;
    const event: SQSEvent = {
      Records: messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
        awsRegion: 'us-east-1',
      })),
    };
    invocations++;
    const { batchItemFailures } = await handler(event, lambdaContext());
    failures += batchItemFailures.length;
    const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }
  return { invocations, failures };
}

/** The largest number of timestamps (ms) inside any 1-second sliding window. */
export function maxPerSecond(timestampsMs: readonly number[]): number {
  const t = [...timestampsMs].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= 1000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}
