import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IdempotencyTable, type IdempotencyTableProps } from '../../lib/constructs/idempotency-table.js';

function build(props?: IdempotencyTableProps) {
  const stack = new Stack(new App(), 'Data', { env: { account: '111111111111', region: 'eu-west-1' } });
  new IdempotencyTable(stack, 'Idempotency', props);
  const tables = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::GlobalTable'));
  expect(tables).toHaveLength(1);
  return tables[0];
}

/**
 * The attribute names the payments handler and the email worker use: they build the persistence
 * layer with the table name only, so Powertools' defaults are the contract.
 */
const powertools = new DynamoDBPersistenceLayer({ tableName: 'unused' }) as unknown as {
  keyAttr: string;
  sortKeyAttr?: string;
  expiryAttr: string;
};

describe('IdempotencyTable', () => {
  const table = build();

  test('keyed the way Powertools idempotency expects: a string partition key, no sort key', () => {
    expect(powertools.sortKeyAttr).toBeUndefined();
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: powertools.keyAttr, KeyType: 'HASH' }]);
    expect(table.Properties.AttributeDefinitions).toEqual([{ AttributeName: powertools.keyAttr, AttributeType: 'S' }]);
  });

  test('expired records vanish on their own: TTL on the attribute Powertools writes', () => {
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: powertools.expiryAttr, Enabled: true });
  });

  test('on-demand billing (no capacity to plan for bursts of payments)', () => {
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
  });

  test('point-in-time recovery is on by default', () => {
    expect(table.Properties.Replicas).toEqual([
      expect.objectContaining({ Region: 'eu-west-1', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
    ]);
  });

  test('point-in-time recovery off when told, with the checkov skip saying why', () => {
    const off = build({ pointInTimeRecovery: false });
    expect(off.Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: false });
    expect(off.Metadata.checkov.skip).toEqual([expect.objectContaining({ id: 'CKV_AWS_165' })]);
    expect(table.Metadata?.checkov).toBeUndefined();
  });

  test('deleted with the stack by default (records live a day at most); kept when told', () => {
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.UpdateReplacePolicy).toBe('Delete');
    const kept = build({ removalPolicy: RemovalPolicy.RETAIN });
    expect(kept.DeletionPolicy).toBe('Retain');
    expect(kept.UpdateReplacePolicy).toBe('Retain');
  });
});
