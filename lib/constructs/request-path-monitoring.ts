import { Duration } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { DefaultDashboardFactory, ElastiCacheClusterType, MonitoringFacade, SnsAlarmActionStrategy } from 'cdk-monitoring-constructs';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import type { ContainerService } from './container-service.js';
import type { RateLimitedWebAcl } from './rate-limited-web-acl.js';
import type { ReadReplicatedDatabase } from './read-replicated-database.js';
import type { ReplicatedCache } from './replicated-cache.js';
import { runbook } from './runbook.js';
import type { StorefrontApi } from './storefront-api.js';

export interface RequestPathMonitoringProps {
  readonly alarmTopic: sns.ITopic;
  /** Stage name of the dashboard and alarm names. */
  readonly prefix: string;
  readonly distribution: cloudfront.IDistribution;
  /**
   * The web ACLs in front of the API (CloudFront's and the regional one), graphed by rule.
   * @default - no WAF row
   */
  readonly webAcls?: readonly RateLimitedWebAcl[];
  readonly api: StorefrontApi;
  /** Every Lambda function whose errors are faults, by name: services on Lambda, relay, email worker. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /**
   * Functions that fail on purpose for expected outcomes (the TOKEN authorizer throws `Unauthorized`
   * for every bad token, the only way API Gateway answers 401), with the fault metric their code
   * emits: their Lambda errors are graphed, never alarmed; the fault metric is.
   * @default - none
   */
  readonly rejectingFunctions?: Readonly<Record<string, { readonly function: lambda.IFunction; readonly faults: cloudwatch.IMetric }>>;
  /**
   * Services on Fargate, behind the ALB.
   * @default - none
   */
  readonly containerServices?: Readonly<Record<string, ContainerService>>;
  /**
   * The internal ALB in front of `containerServices`.
   * @default - no load balancer
   */
  readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  /**
   * @default - an external database: not monitored here
   */
  readonly database?: ReadReplicatedDatabase;
  /**
   * @default - an external cache: not monitored here
   */
  readonly cache?: ReplicatedCache;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * Create the alarms. Every alarm of cdk-monitoring-constructs is a metric-math alarm, which a
   * platform without metric math alarms (MiniStack 1.5.33) rejects; off, only the dashboard is built.
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * p99 latency above which the API alarms.
   * @default Duration.seconds(1)
   */
  readonly apiP99Latency?: Duration;
}

/**
 * One dashboard laid out along the request path (edge, WAF, API, services, load balancer, cache,
 * database, queue) and the alarms that page, each linking to its runbook section. Built on
 * cdk-monitoring-constructs; only replica lag is a plain CloudWatch alarm (the library has no
 * read-replica threshold).
 */
export class RequestPathMonitoring extends Construct {
  readonly facade: MonitoringFacade;

  constructor(scope: Construct, id: string, props: RequestPathMonitoringProps) {
    super(scope, id);
    const alarmsOn = props.alarms ?? true;
    /** An alarm definition, or none when alarms are off. */
    const alarm = <T>(definition: T): T | undefined => (alarmsOn ? definition : undefined);
    // Alarm names are physical on purpose: `<prefix>-<hop>-<alarm>` is what on-call reads in the page.
    const facade = new MonitoringFacade(this, 'Facade', {
      alarmFactoryDefaults: {
        alarmNamePrefix: props.prefix,
        actionsEnabled: true,
        action: new SnsAlarmActionStrategy({ onAlarmTopic: props.alarmTopic }),
        datapointsToAlarm: 3,
        evaluationPeriods: 5,
      },
      metricFactoryDefaults: {},
      dashboardFactory: new DefaultDashboardFactory(this, 'Dashboards', {
        dashboardNamePrefix: props.prefix,
        createDashboard: true,
        createSummaryDashboard: false,
        createAlarmDashboard: alarmsOn,
      }),
    });
    this.facade = facade;

    facade
      .addLargeHeader('1. Edge: CloudFront (metrics in us-east-1)')
      .monitorCloudFrontDistribution({ distribution: props.distribution, alarmFriendlyName: 'cdn', humanReadableName: 'CloudFront' })
      .addLargeHeader('2. Rate limiter: WAF (blocked per rule; runbook: waf-blocked-requests)');
    for (const acl of props.webAcls ?? []) {
      facade.addWidget(
        new cloudwatch.GraphWidget({
          title: `${acl.node.id}: allowed and blocked`,
          width: 12,
          left: [acl.metricAllowedRequests({ label: 'allowed' }), acl.metricBlockedRequests('ALL', { label: 'blocked' })],
        }),
        false,
        false,
      );
      facade.addWidget(
        new cloudwatch.GraphWidget({
          title: `${acl.node.id}: blocked by rule`,
          width: 12,
          stacked: true,
          left: acl.ruleMetricNames.map((rule) => acl.metricBlockedRequests(rule, { label: rule })),
        }),
        false,
        false,
      );
    }
    facade
      .addLargeHeader('3. Gateway: API Gateway')
      .monitorApiGateway({
        api: props.api.restApi,
        alarmFriendlyName: 'api',
        humanReadableName: 'REST API',
        apiStage: props.api.stage.stageName,
        add5XXFaultRateAlarm: alarm({ Critical: { maxErrorRate: 1, runbookLink: runbook('api-5xx-rate') } }),
        addLatencyP99Alarm: alarm({
          Warning: { maxLatency: props.apiP99Latency ?? Duration.seconds(1), runbookLink: runbook('api-p99-latency') },
        }),
      })
      .addLargeHeader('4. Services');
    for (const [name, fn] of Object.entries(props.functions)) {
      facade.monitorLambdaFunction({
        lambdaFunction: fn,
        alarmFriendlyName: name,
        humanReadableName: name,
        addFaultCountAlarm: alarm({ Critical: { maxErrorCount: 5, runbookLink: runbook('lambda-errors') } }),
        addThrottlesCountAlarm: alarm({ Warning: { maxErrorCount: 1, runbookLink: runbook('lambda-throttles') } }),
      });
    }
    for (const [name, { function: fn, faults }] of Object.entries(props.rejectingFunctions ?? {})) {
      facade.monitorLambdaFunction({
        lambdaFunction: fn,
        alarmFriendlyName: name,
        humanReadableName: `${name} (errors include rejected requests)`,
        addThrottlesCountAlarm: alarm({ Warning: { maxErrorCount: 1, runbookLink: runbook('lambda-throttles') } }),
      });
      facade.addWidget(new cloudwatch.GraphWidget({ title: `${name}: faults`, width: 12, left: [faults] }), false, false);
      if (alarmsOn) {
        new cloudwatch.Alarm(this, `${name[0].toUpperCase()}${name.slice(1)}Faults`, {
          metric: faults,
          alarmName: `${props.prefix}-${name}-Faults`,
          alarmDescription: `${name}: faults (not rejected requests) in 3 of 5 minutes. Runbook: ${runbook('lambda-errors')}`,
          threshold: 1,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }).addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
      }
    }
    if (props.loadBalancer) {
      facade.addLargeHeader('5. Load balancer and Fargate services');
      for (const [name, svc] of Object.entries(props.containerServices ?? {})) {
        facade.monitorFargateApplicationLoadBalancer({
          fargateService: svc.service,
          applicationLoadBalancer: props.loadBalancer,
          applicationTargetGroup: namedByLoadBalancer(svc.targetGroup, props.loadBalancer),
          alarmFriendlyName: name,
          humanReadableName: name,
          addUnhealthyTaskCountAlarm: alarm({ Critical: { maxUnhealthyTasks: 0, runbookLink: runbook('unhealthy-targets') } }),
          addCpuUsageAlarm: alarm({ Warning: { maxUsagePercent: 85, runbookLink: runbook('fargate-cpu') } }),
        });
      }
    }
    if (props.cache) {
      facade.addLargeHeader('6. Cache: ElastiCache Redis');
      // ElastiCache publishes per member cluster, `<replication group>-001`, `-002`, ...; nothing
      // carries the replication group's own ID, so an alarm on it never sees a datapoint.
      const { replicationGroup } = props.cache;
      for (let n = 1; n <= (replicationGroup.numCacheClusters ?? 1); n++) {
        const member = String(n).padStart(3, '0');
        facade.monitorElastiCacheCluster({
          clusterType: ElastiCacheClusterType.REDIS,
          clusterId: `${replicationGroup.ref}-${member}`,
          alarmFriendlyName: `redis-${member}`,
          humanReadableName: `redis-${member}`,
          addRedisEngineCpuUsageAlarm: alarm({ Warning: { maxUsagePercent: 80, runbookLink: runbook('redis-cpu') } }),
          addMaxEvictedItemsCountAlarm: alarm({ Warning: { maxItemsCount: 100, runbookLink: runbook('redis-evictions') } }),
        });
      }
    }
    if (props.database) {
      facade.addLargeHeader('7. Database: RDS PostgreSQL');
      for (const [name, instance] of [
        ['primary', props.database.primary] as const,
        ...props.database.replicas.map((r, i) => [`replica-${i + 1}`, r] as const),
      ]) {
        facade.monitorRdsInstance({
          instance,
          alarmFriendlyName: name,
          humanReadableName: name,
          addCpuUsageAlarm: alarm({ Warning: { maxUsagePercent: 80, runbookLink: runbook('rds-cpu') } }),
          // 5 GiB in bytes.
          addFreeStorageSpaceAlarm: alarm({ Critical: { minCount: 5 * 1024 ** 3, runbookLink: runbook('rds-free-storage') } }),
        });
      }
      if (alarmsOn)
        props.database.replicas.forEach((replica, i) => {
          const lag = new cloudwatch.Metric({
            namespace: 'AWS/RDS',
            metricName: 'ReplicaLag',
            dimensionsMap: { DBInstanceIdentifier: replica.instanceIdentifier },
            statistic: 'Maximum',
            period: Duration.minutes(1),
          });
          lag
            .createAlarm(this, `ReplicaLag${i + 1}`, {
              alarmDescription: `Replica ${i + 1} is more than 30 s behind the primary: reads may be stale. Runbook: ${runbook('rds-replica-lag')}`,
              threshold: 30,
              evaluationPeriods: 5,
              datapointsToAlarm: 3,
              treatMissingData: cloudwatch.TreatMissingData.BREACHING,
            })
            .addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
        });
    }
    facade.addLargeHeader('8. Async: email queue and worker').monitorSqsQueueWithDlq({
      queue: props.queue,
      deadLetterQueue: props.deadLetterQueue,
      alarmFriendlyName: 'email',
      addQueueMaxMessageAgeAlarm: alarm({ Warning: { maxAgeInSeconds: 300, runbookLink: runbook('queue-oldest-message') } }),
      // Any dead letter is an email a customer did not get.
      addDeadLetterQueueMaxSizeAlarm: alarm({ Critical: { maxMessageCount: 0, runbookLink: runbook('dlq-not-empty') } }),
    });
  }
}

/**
 * The target group as its metrics should see it: with the load balancer named by the ALB's own
 * `LoadBalancerFullName` attribute. aws-cdk-lib derives that name by splitting the first listener's
 * ARN, and in another stack under weak references (ADR 0001) the split is a `Fn::Split` over
 * `Fn::GetStackOutput`, which CloudFormation does not list among `Fn::Split`'s supported functions
 * and cfn-lint rejects (E1022). A view, so the target group itself is untouched.
 */
function namedByLoadBalancer(
  targetGroup: elbv2.IApplicationTargetGroup,
  loadBalancer: elbv2.ApplicationLoadBalancer,
): elbv2.IApplicationTargetGroup {
  const view = Object.create(targetGroup) as elbv2.IApplicationTargetGroup;
  Object.defineProperty(view, 'firstLoadBalancerFullName', { get: () => loadBalancer.loadBalancerFullName });
  // `metrics` is built once from `firstLoadBalancerFullName`; the view builds its own.
  Object.defineProperty(view, '_metrics', { value: undefined, writable: true });
  return view;
}
