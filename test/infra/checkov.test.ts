import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { skipCheckov } from '../../lib/constructs/checkov.js';
import { buildStage, stacksOf } from './support/stage.js';

interface Skip {
  id: string;
  comment: string;
}
const skipsOf = (resource: { Metadata?: { checkov?: { skip?: Skip[] } } }): Skip[] => resource.Metadata?.checkov?.skip ?? [];

describe('skipCheckov', () => {
  test('writes Metadata.checkov.skip on the default resource, merging calls and keeping the first reason per id', () => {
    const stack = new Stack(new App(), 'S');
    const queue = new sqs.Queue(stack, 'Q');
    skipCheckov(queue, { id: 'CKV_AWS_27', comment: 'first reason' });
    skipCheckov(queue, { id: 'CKV_AWS_27', comment: 'again' }, { id: 'CKV_AWS_999', comment: 'other' });
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::SQS::Queue'));
    expect(skipsOf(resource)).toEqual([
      { id: 'CKV_AWS_27', comment: 'first reason' },
      { id: 'CKV_AWS_999', comment: 'other' },
    ]);
  });

  test('refuses a construct without a CloudFormation resource', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => skipCheckov(new Construct(stack, 'Empty'), { id: 'CKV_AWS_1', comment: 'x' })).toThrow(/not a CloudFormation resource/);
  });
});

const STAGES = ['local', 'dev', 'staging', 'prod'] as const;
const templates = Object.fromEntries(
  STAGES.map((name) => {
    const { stage } = buildStage(name);
    return [name, Object.fromEntries(stacksOf(stage).map((s) => [s.node.id, Template.fromStack(s)]))];
  }),
) as Record<(typeof STAGES)[number], Record<string, Template>>;

describe.each(STAGES)('checkov skips in stage %s', (name) => {
  const data = templates[name].Data;
  /** staging runs prod's shape: Multi-AZ primary, point-in-time recovery. */
  const prodShaped = name === 'prod' || name === 'staging';

  test('every resource-level skip names a check and gives its reason', () => {
    for (const template of Object.values(templates[name])) {
      for (const resource of Object.values(template.toJSON().Resources as Record<string, object>)) {
        for (const skip of skipsOf(resource)) {
          expect(skip.id).toMatch(/^CKV2?_AWS_\d+$/);
          expect(skip.comment.length).toBeGreaterThan(30);
        }
      }
    }
  });

  test('point-in-time recovery is skipped exactly where the stage turns it off', () => {
    const [table] = Object.values(data.findResources('AWS::DynamoDB::GlobalTable'));
    const pitr = table.Properties.Replicas[0].PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled;
    expect(pitr).toBe(prodShaped);
    expect(skipsOf(table).map((s) => s.id)).toEqual(pitr ? [] : ['CKV_AWS_165']);
  });

  test('Multi-AZ is skipped on a single-AZ primary only; prod and staging primaries are Multi-AZ', () => {
    const instances = Object.values(data.findResources('AWS::RDS::DBInstance'));
    const primary = instances.find((i) => !i.Properties.SourceDBInstanceIdentifier);
    if (name === 'local') {
      expect(instances).toHaveLength(0);
      return;
    }
    expect(primary!.Properties.MultiAZ).toBe(prodShaped);
    expect(primary!.Properties.StorageEncrypted).toBe(true);
    expect(
      skipsOf(primary!)
        .map((s) => s.id)
        .sort(),
    ).toEqual(prodShaped ? ['CKV_AWS_161'] : ['CKV_AWS_157', 'CKV_AWS_161']);
  });

  test('the migration function is in the VPC wherever the database is; only local skips the VPC check', () => {
    const [handler] = Object.entries(data.findResources('AWS::Lambda::Function'))
      .filter(([id]) => id.startsWith('MigrationsHandlerFunction'))
      .map(([, r]) => r);
    expect(handler.Properties.VpcConfig === undefined).toBe(name === 'local');
    expect(skipsOf(handler).map((s) => s.id)).toEqual(name === 'local' ? ['CKV_AWS_117'] : []);
  });
});

describe('.checkov.yaml', () => {
  test('every skipped check has its reason in a comment above it', () => {
    const lines = fs.readFileSync(path.join(__dirname, '..', '..', '.checkov.yaml'), 'utf8').split('\n');
    const entries = lines.map((line, i) => [line, i] as const).filter(([line]) => /^\s+- /.test(line));
    expect(entries.length).toBeGreaterThan(0);
    for (const [line, i] of entries) expect([line, lines[i - 1]]).toEqual([line, expect.stringMatching(/^\s+# \S/)]);
  });
});
