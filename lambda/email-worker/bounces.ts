import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { loadEnv, nonEmpty } from '#shared/env.js';
import { logger, metrics } from '#shared/observability.js';
import { dynamoSuppressionList, type SuppressionList, type SuppressionReason } from './suppression.js';

const recipients = z.array(z.object({ emailAddress: z.string().check(z.minLength(3)) }));
/** The part of an SES event (configuration-set event publishing, or identity notification) we read. */
const sesEvent = z.object({
  eventType: z.optional(z.string()),
  notificationType: z.optional(z.string()),
  bounce: z.optional(z.object({ bounceType: z.string(), bouncedRecipients: recipients })),
  complaint: z.optional(z.object({ complainedRecipients: recipients })),
});

/**
 * The addresses an SES event says must not be mailed again: every recipient of a permanent bounce
 * (the mailbox does not exist) and of a complaint. Transient bounces (mailbox full) are retried by
 * SES itself and suppress nothing.
 */
export function suppressionsOf(message: unknown): { address: string; reason: SuppressionReason }[] {
  const event = sesEvent.parse(message);
  const type = event.eventType ?? event.notificationType;
  if (type === 'Bounce' && event.bounce?.bounceType === 'Permanent') {
    return event.bounce.bouncedRecipients.map((r) => ({ address: r.emailAddress, reason: 'BOUNCE' as const }));
  }
  if (type === 'Complaint' && event.complaint) {
    return event.complaint.complainedRecipients.map((r) => ({ address: r.emailAddress, reason: 'COMPLAINT' as const }));
  }
  return [];
}

/** SNS subscriber of the configuration set's bounce and complaint events: adds their addresses to the list. */
export function bounceRecorder(list: SuppressionList) {
  return async (event: SNSEvent): Promise<void> => {
    try {
      for (const record of event.Records) {
        for (const { address, reason } of suppressionsOf(JSON.parse(record.Sns.Message))) {
          await list.suppress(address, reason);
          metrics.addMetric('EmailAddressSuppressed', MetricUnit.Count, 1);
          logger.info('address suppressed', { reason, messageId: record.Sns.MessageId });
        }
      }
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

const env = loadEnv({ IDEMPOTENCY_TABLE: nonEmpty() });
export const handler = bounceRecorder(dynamoSuppressionList(env.IDEMPOTENCY_TABLE));
