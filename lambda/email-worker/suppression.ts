import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

/** Why an address is never mailed again. */
export type SuppressionReason = 'BOUNCE' | 'COMPLAINT';

/**
 * Addresses the shop must not mail: fed by SES's bounce and complaint events (`bounces.ts`), read by
 * the worker before each send. Mailing them again hurts the account's sending reputation, and SES
 * suspends accounts whose bounce or complaint rate stays high.
 */
export interface SuppressionList {
  isSuppressed(address: string): Promise<boolean>;
  suppress(address: string, reason: SuppressionReason, at?: Date): Promise<void>;
}

/** The item key of an address: addresses compare case-insensitively, as mailbox providers do in practice. */
export const suppressionKey = (address: string): string => `suppressed#${address.trim().toLowerCase()}`;

/**
 * The list in the idempotency table (`id` key; no `expiration`, so TTL never removes an entry): the
 * records that decide whether an email goes out live together.
 */
export function dynamoSuppressionList(tableName: string, client = DynamoDBDocumentClient.from(new DynamoDBClient({}))): SuppressionList {
  return {
    async isSuppressed(address) {
      const res = await client.send(new GetCommand({ TableName: tableName, Key: { id: suppressionKey(address) }, ConsistentRead: true }));
      return res.Item !== undefined;
    },
    async suppress(address, reason, at = new Date()) {
      await client.send(
        new PutCommand({ TableName: tableName, Item: { id: suppressionKey(address), reason, suppressedAt: at.toISOString() } }),
      );
    },
  };
}
