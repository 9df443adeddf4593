import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { skipCheckov } from './checkov.js';

export interface IdempotencyTableProps {
  /**
   * Point-in-time recovery: on in prod, where a lost record could mean a second charge.
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
  /**
   * Refuse `DeleteTable` (a table deleted by hand or by a stack mistake takes every record with it).
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * @default RemovalPolicy.DESTROY (records live a day at most)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Idempotency records of payments and confirmation emails, in the layout Powertools' DynamoDB
 * persistence layer expects (`id` key, `expiration` TTL), so expired records vanish on their own.
 */
export class IdempotencyTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: IdempotencyTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    if (props.pointInTimeRecovery === false) {
      skipCheckov(this.table, {
        id: 'CKV_AWS_165',
        comment: 'Point-in-time recovery off by stage config: records live a day at most and a throwaway stage charges nobody; on in prod',
      });
    }
  }
}
