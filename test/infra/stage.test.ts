import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStage, normaliseTemplate, stacksOf } from './support/stage.js';

const STAGES = ['local', 'dev', 'staging', 'prod'] as const;
const built = Object.fromEntries(
  STAGES.map((name) => {
    const { app, stage } = buildStage(name);
    // Synth runs the CDK template validator and cdk-nag: it throws on any unacknowledged finding.
    const assembly = app.synth();
    return [name, { app, stage, assembly }];
  }),
) as Record<
  (typeof STAGES)[number],
  {
    app: ReturnType<typeof buildStage>['app'];
    stage: ReturnType<typeof buildStage>['stage'];
    assembly: ReturnType<ReturnType<typeof buildStage>['app']['synth']>;
  }
>;

describe.each(STAGES)('stage %s', (name) => {
  const { stage, assembly } = built[name];

  test('synthesizes six stacks with no unacknowledged validation or cdk-nag finding', () => {
    expect(stacksOf(stage).map((s) => s.node.id)).toEqual(['Network', 'Data', 'Services', 'Edge', 'Cdn', 'Observability']);
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: { severity?: string }[] }[];
    };
    // The validator ran (bin/storefront.ts leaves it to this test and the static gates): its report
    // lists the findings acknowledged on their resources.
    expect(report.pluginReports.map((r) => r.pluginName)).toContain('CloudFormation Validate');
    const errors = report.pluginReports.flatMap((r) => r.violations.filter((v) => v.severity === 'error').map(() => r.pluginName));
    expect(errors).toEqual([]);
  });

  test.each(['Network', 'Data', 'Services', 'Edge', 'Cdn', 'Observability'])('%s stack matches its snapshot', (stackId) => {
    const stack = stacksOf(stage).find((s) => s.node.id === stackId)!;
    expect(normaliseTemplate(Template.fromStack(stack).toJSON())).toMatchSnapshot();
  });
});

describe('stateful resources keep their logical IDs (renaming one replaces it, losing data)', () => {
  const ids = (name: (typeof STAGES)[number], type: string) =>
    Object.keys(Template.fromStack(built[name].stage.data).findResources(type)).sort();

  test('prod', () => {
    expect(ids('prod', 'AWS::RDS::DBInstance')).toEqual([
      'DatabasePrimaryEDE0B3D0',
      'DatabaseReplica1ED560A1F',
      'DatabaseReplica2035311FF',
    ]);
    expect(ids('prod', 'AWS::RDS::DBProxy')).toEqual(['DatabasePrimaryProxyDA56915C']);
    expect(ids('prod', 'AWS::ElastiCache::ReplicationGroup')).toEqual(['CacheReplicationGroupBFE59FF3']);
    expect(ids('prod', 'AWS::DynamoDB::GlobalTable')).toEqual(['IdempotencyTable48612DF4']);
    expect(ids('prod', 'AWS::SecretsManager::Secret')).toEqual([
      'CacheAuthToken04672416',
      'StorefrontprodDataDatabasePrimarySecretA61979C23fdaad7efa858a3daf9490cf0a702aeb',
    ]);
  });

  test('local keeps the same table id as prod', () => {
    expect(ids('local', 'AWS::DynamoDB::GlobalTable')).toEqual(ids('prod', 'AWS::DynamoDB::GlobalTable'));
  });
});

describe('termination protection', () => {
  test('on for every stack of the protected stages (prod, staging), off for dev and local', () => {
    for (const name of STAGES) {
      for (const stack of stacksOf(built[name].stage)) expect(stack.terminationProtection).toBe(name === 'prod' || name === 'staging');
    }
  });
});

describe('alarms follow the stage config (MiniStack rejects metric math alarms)', () => {
  const alarms = (name: (typeof STAGES)[number]) =>
    Object.keys(Template.fromStack(built[name].stage.observability).findResources('AWS::CloudWatch::Alarm')).length;

  test('local builds the dashboard only; prod alarms', () => {
    expect(alarms('local')).toBe(0);
    expect(
      Object.keys(Template.fromStack(built.local.stage.observability).findResources('AWS::CloudWatch::Dashboard')).length,
    ).toBeGreaterThan(0);
    expect(alarms('prod')).toBeGreaterThan(10);
  });
});
