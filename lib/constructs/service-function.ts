import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { lambdaBundle } from './bundling.js';
import { acknowledgeGrantPolicy } from './nag.js';
import { runbook } from './runbook.js';

/** Namespace of every custom metric the services emit (Powertools metrics). */
export const METRICS_NAMESPACE = 'Storefront';
/** Count of real faults a service's code reports (HTTP 500s, authorizer faults), by `service`. */
export const FAULTS_METRIC = 'Faults';

/**
 * The `Faults` a service's code emits, per minute. Powertools adds the `stage` default dimension of
 * lambda/shared/observability.ts, which is `default` where `STAGE` is unset (every deployed service).
 */
export function faultsMetric(service: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: FAULTS_METRIC,
    dimensionsMap: { service, stage: 'default' },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(1),
  });
}

export interface ServiceFunctionProps {
  /** Service identity: `POWERTOOLS_SERVICE_NAME`, and the name of its metrics dimension. */
  readonly service: string;
  /** TypeScript entry file, e.g. `lambda/catalog/handler.ts`. */
  readonly entry: string;
  /**
   * Environment of the function (the runtime contract's variables).
   * @default - only the Powertools variables
   */
  readonly environment?: Record<string, string>;
  /**
   * Longest run of one invocation.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Memory; CPU grows with it, so the KDF in auth wants more than a read path.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * VPC to run in (needed to reach RDS and ElastiCache), placed in `vpcSubnets`.
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets for the function when `vpc` is set.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Shift traffic to a new version through a `live` alias with a CodeDeploy canary (10% for five
   * minutes), rolling back when the function's errors alarm or any of `canaryAlarms` fires.
   * @default false - callers invoke `$LATEST`
   */
  readonly canary?: boolean;
  /**
   * Bundle the AWS SDK v3 instead of using the runtime's copy: emulators that run functions as
   * local Node processes (MiniStack) only stub `@aws-sdk/client-*`, not `lib-dynamodb`/`util-dynamodb`.
   * @default false
   */
  readonly bundleAwsSdk?: boolean;
  /**
   * Extra alarms that roll a canary back (e.g. the API's 5xx rate); more can be added later with
   * `deploymentGroup.addAlarm`.
   * @default - the function's own fault alarm only
   */
  readonly canaryAlarms?: cloudwatch.IAlarm[];
  /**
   * What counts as a fault of this function for the canary gate. Its Lambda `Errors` unless the
   * function fails on purpose for expected outcomes (the TOKEN authorizer throws `Unauthorized` for
   * every bad token): then the fault metric its code emits (`faultsMetric`).
   * @default - `Errors` of the live alias
   */
  readonly faultMetric?: cloudwatch.IMetric;
  /**
   * Files copied next to the bundle, relative to the repository root: `[from, to]` pairs.
   * @default - none
   */
  readonly extraFiles?: ReadonlyArray<readonly [from: string, to: string]>;
  /**
   * Reserved concurrency.
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The one Lambda function construct of the app: every default (runtime, architecture, bundling,
 * logging, tracing, Powertools settings, canary) lives here once, so services differ only in what is
 * really different about them. `invokable` is what callers wire to: the `live` alias when canary
 * deployments are on, the function otherwise.
 */
export class ServiceFunction extends Construct {
  readonly function: lambda.Function;
  /** The function or its `live` alias: integrate, subscribe and grant invoke on this. */
  readonly invokable: lambda.IFunction;
  readonly logGroup: logs.LogGroup;
  readonly deploymentGroup?: codedeploy.LambdaDeploymentGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    // Outbound is opened explicitly: HTTPS to AWS APIs here, the database and cache by their consumers.
    const securityGroup = props.vpc
      ? new ec2.SecurityGroup(this, 'SecurityGroup', {
          vpc: props.vpc,
          description: `${props.service} function`,
          allowAllOutbound: false,
        })
      : undefined;
    securityGroup?.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs (Secrets Manager, SQS, SES, DynamoDB, X-Ray)');
    this.function = new lambda.Function(this, 'Function', {
      // Built with esbuild at synth, from source, and reused while its inputs are unchanged (bundling.ts).
      code: lambda.Code.fromAsset(lambdaBundle(props.entry, { bundleAwsSdk: props.bundleAwsSdk, extraDirs: props.extraFiles })),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: securityGroup ? [securityGroup] : undefined,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });

    acknowledgeLambdaRole(this.function);
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        "No asynchronous invocation loses work here: API routes, the authorizer and migrations are called synchronously (the caller sees the error), the email worker's failures stay on its queue and reach the queue's DLQ, and the scheduled relay and sweep re-read their tables on the next minute's run.",
    });
    if (!props.vpc) {
      Validations.of(this.function).acknowledge({
        id: 'PCI.DSS.321-LambdaInsideVPC',
        reason:
          'Outside the VPC by design: it calls only AWS APIs (IAM-scoped, over TLS) and cannot reach the database or cache, which only VPC security groups admit.',
      });
    }

    if (!props.canary) {
      this.invokable = this.function;
      return;
    }
    const alias = new lambda.Alias(this, 'Live', { aliasName: 'live', version: this.function.currentVersion });
    this.invokable = alias;
    const faults = props.faultMetric ?? alias.metricErrors({ period: Duration.minutes(1) });
    const errors = new cloudwatch.Alarm(this, 'CanaryErrors', {
      metric: faults,
      alarmDescription: `${props.service}: faults during a deployment roll the canary back. Runbook: ${runbook('lambda-errors')}`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No datapoint is no fault (the emitted metric only exists once something failed).
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deploymentGroup = new codedeploy.LambdaDeploymentGroup(this, 'Deployment', {
      alias,
      deploymentConfig: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
      alarms: [errors, ...(props.canaryAlarms ?? [])],
    });
    Validations.of(this.deploymentGroup.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason: 'The AWS-maintained CodeDeploy policy for Lambda, limited to shifting alias traffic.',
    });
  }
}

/**
 * The findings every Lambda role of this app has, acknowledged on that one role with the reason.
 * Exported for the Provider framework's own functions, which have the same shape.
 */
export function acknowledgeLambdaRole(fn: lambda.Function): void {
  const role = fn.role;
  if (!role) return;
  Validations.of(role).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "AWS-maintained policy: writes to the function's own log streams only.",
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      reason: 'AWS-maintained policy: the ENI management a function in a VPC needs.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.',
    },
  );
  acknowledgeGrantPolicy(role);
}
