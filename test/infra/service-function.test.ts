import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RUNBOOK_URL } from '../../lib/constructs/runbook.js';
import { METRICS_NAMESPACE, ServiceFunction, type ServiceFunctionProps } from '../../lib/constructs/service-function.js';

const ENTRY = path.join(__dirname, 'fixtures', 'lambda', 'email-worker', 'handler.ts');
const RUNBOOK_ANCHORS = fs
  .readFileSync(path.join(__dirname, '..', '..', 'docs', 'runbook.md'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('## '))
  .map((line) => line.slice(3).trim());

/** One ServiceFunction in a bare stack, without bundling. */
function build(props: Partial<ServiceFunctionProps> = {}, options: { vpc?: boolean } = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Fn', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = options.vpc ? new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }) : undefined;
  const fn = new ServiceFunction(stack, 'Catalog', { service: 'catalog', entry: ENTRY, vpc, ...props });
  return { stack, fn, vpc, template: Template.fromStack(stack) };
}

const idOf = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

describe('ServiceFunction', () => {
  describe('with its defaults', () => {
    const { template, stack, fn } = build({ environment: { CACHE_TTL_SECONDS: '60' } });
    const fnId = idOf(stack, fn.function);
    const props = () => template.toJSON().Resources[fnId].Properties;

    test('Node.js 24 on arm64, 512 MB, 10 s, X-Ray tracing active', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Timeout: 10,
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
      });
    });

    test('logs JSON into its own log group, kept a month and deleted with the stack', () => {
      const logGroupId = idOf(stack, fn.logGroup);
      expect(props().LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: logGroupId } });
      template.resourceCountIs('AWS::Logs::LogGroup', 1);
      template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' });
      // The group is a resource of the stack, not the log-retention custom resource.
      template.resourceCountIs('Custom::LogRetention', 0);
    });

    test("source maps on, Powertools service name and metrics namespace set, the caller's variables merged in", () => {
      expect(props().Environment.Variables).toEqual({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'catalog',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        CACHE_TTL_SECONDS: '60',
      });
      expect(METRICS_NAMESPACE).toBe('Storefront');
    });

    test('the role may write traces, and is otherwise the basic execution role', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }] },
      });
      template.hasResourceProperties('AWS::IAM::Role', {
        ManagedPolicyArns: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']] },
        ],
      });
    });

    test('not in a VPC: no security group, no VpcConfig', () => {
      template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
      expect(props().VpcConfig).toBeUndefined();
    });

    test('without canary: no alias, no CodeDeploy, and callers wire to the function itself', () => {
      template.resourceCountIs('AWS::Lambda::Alias', 0);
      template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
      template.resourceCountIs('AWS::CodeDeploy::Application', 0);
      template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
      expect(fn.invokable).toBe(fn.function);
      expect(fn.deploymentGroup).toBeUndefined();
    });
  });

  test('log retention, removal policy, timeout, memory and reserved concurrency come from the props', () => {
    const { template } = build({
      logRetention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
      timeout: Duration.seconds(30),
      memorySize: 1024,
      reservedConcurrentExecutions: 7,
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 90 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 30, MemorySize: 1024, ReservedConcurrentExecutions: 7 });
  });

  describe('in a VPC', () => {
    const { template, stack, fn, vpc } = build({}, { vpc: true });
    const sgId = idOf(stack, fn.function.connections.securityGroups[0]);

    test('its own security group allows HTTPS out and nothing else, and no ingress', () => {
      const sgs = template.findResources('AWS::EC2::SecurityGroup');
      expect(Object.keys(sgs)).toEqual([sgId]);
      expect(sgs[sgId].Properties.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      ]);
      expect(sgs[sgId].Properties.SecurityGroupIngress).toBeUndefined();
      template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    });

    test('it runs in the private subnets behind that security group', () => {
      const privateSubnets = vpc!.privateSubnets.map((s) => stack.resolve(s.subnetId));
      template.hasResourceProperties('AWS::Lambda::Function', {
        VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [sgId, 'GroupId'] }], SubnetIds: privateSubnets },
      });
    });
  });

  describe('with canary deployments', () => {
    const extra = (stack: Stack) =>
      new cloudwatch.Alarm(stack, 'Api5xx', {
        metric: new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName: '5XXError' }),
        threshold: 1,
        evaluationPeriods: 1,
      });
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Fn', { env: { account: '111111111111', region: 'eu-west-1' } });
    const fn = new ServiceFunction(stack, 'Catalog', { service: 'catalog', entry: ENTRY, canary: true, canaryAlarms: [extra(stack)] });
    const template = Template.fromStack(stack);
    const fnId = idOf(stack, fn.function);
    const errorsAlarmId = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).find((id) => id.startsWith('CatalogCanaryErrors'))!;

    test('a `live` alias on the current version is what callers invoke', () => {
      expect(fn.invokable).toBeInstanceOf(lambda.Alias);
      expect((fn.invokable as lambda.Alias).aliasName).toBe('live');
      template.resourceCountIs('AWS::Lambda::Alias', 1);
      template.hasResourceProperties('AWS::Lambda::Alias', {
        Name: 'live',
        FunctionName: { Ref: fnId },
        FunctionVersion: stack.resolve(fn.function.currentVersion.version),
      });
    });

    test('CodeDeploy shifts the alias 10% for five minutes, then all', () => {
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
      });
      template.hasResource('AWS::Lambda::Alias', {
        UpdatePolicy: {
          CodeDeployLambdaAliasUpdate: Match.objectLike({ DeploymentGroupName: { Ref: Match.stringLikeRegexp('^CatalogDeployment') } }),
        },
      });
      expect(fn.deploymentGroup).toBeDefined();
    });

    test('errors on the live alias, and every extra alarm, roll the deployment back', () => {
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        AlarmConfiguration: {
          Enabled: true,
          Alarms: Match.arrayEquals([{ Name: { Ref: errorsAlarmId } }, { Name: { Ref: Match.stringLikeRegexp('^Api5xx') } }]),
        },
        AutoRollbackConfiguration: { Enabled: true, Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']) },
      });
    });

    test('the errors alarm fires on the first error of the live alias, and links to its runbook section', () => {
      const alarm = template.toJSON().Resources[errorsAlarmId].Properties;
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Threshold: 1,
        EvaluationPeriods: 1,
        Period: 60,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(alarm.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: 'FunctionName', Value: { Ref: fnId } },
          { Name: 'Resource', Value: { 'Fn::Join': ['', [{ Ref: fnId }, ':live']] } },
        ]),
      );
      const link = /Runbook: (\S+)#([\w-]+)$/.exec(alarm.AlarmDescription);
      expect(link?.[1]).toBe(RUNBOOK_URL);
      expect(link?.[2]).toBe('lambda-errors');
      expect(RUNBOOK_ANCHORS).toContain(link?.[2]);
    });
  });
});
