import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { HOPS, timed } from '#shared/server-timing.js';

/**
 * Powertools' DynamoDB idempotency store, with each of its calls on the request's journey
 * (`idempotency;desc=put`, ...): a payment's first DynamoDB write is a hop like the database's.
 */
export class TimedDynamoDBPersistenceLayer extends DynamoDBPersistenceLayer {
  protected override _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    return timed(HOPS.idempotency, 'get', () => super._getRecord(idempotencyKey));
  }
  protected override _putRecord(record: IdempotencyRecord): Promise<void> {
    return timed(HOPS.idempotency, 'put', () => super._putRecord(record));
  }
  protected override _updateRecord(record: IdempotencyRecord): Promise<void> {
    return timed(HOPS.idempotency, 'update', () => super._updateRecord(record));
  }
  protected override _deleteRecord(record: IdempotencyRecord): Promise<void> {
    return timed(HOPS.idempotency, 'delete', () => super._deleteRecord(record));
  }
}
