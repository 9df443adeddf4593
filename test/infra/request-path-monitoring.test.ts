import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ApiBackend } from '../../lib/constructs/api-backend.js';
import { ContainerPlatform } from '../../lib/constructs/container-platform.js';
import { ContainerService } from '../../lib/constructs/container-service.js';
import { RateLimitedWebAcl } from '../../lib/constructs/rate-limited-web-acl.js';
import { ReadReplicatedDatabase } from '../../lib/constructs/read-replicated-database.js';
import { ReplicatedCache } from '../../lib/constructs/replicated-cache.js';
import { RequestPathMonitoring, type RequestPathMonitoringProps } from '../../lib/constructs/request-path-monitoring.js';
import { RUNBOOK_URL } from '../../lib/constructs/runbook.js';
import { StorefrontApi } from '../../lib/constructs/storefront-api.js';
import { type AlarmedMetric, alarms, dashboardRows, graphedMetrics, RUNBOOK_ANCHORS, runbookAnchor } from './support/monitoring.js';

const PREFIX = 'Shop-test';

/** The request path's hops and the namespaces their row may graph. */
const ROWS: readonly [RegExp, readonly string[]][] = [
  [/^1\. Edge: CloudFront/, ['AWS/CloudFront']],
  [/^2\. Rate limiter: WAF/, ['AWS/WAFV2']],
  [/^3\. Gateway: API Gateway/, ['AWS/ApiGateway']],
  [/^4\. Services/, ['AWS/Lambda']],
  [/^5\. Load balancer and Fargate/, ['AWS/ApplicationELB', 'AWS/ECS', 'ECS/ContainerInsights']],
  [/^6\. Cache: ElastiCache Redis/, ['AWS/ElastiCache']],
  [/^7\. Database: RDS PostgreSQL/, ['AWS/RDS']],
  [/^8\. Async: email queue/, ['AWS/SQS']],
];

function inlineFunction(scope: Stack, id: string) {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
}

interface Hops {
  /** Orders on Fargate behind the internal ALB. */
  readonly fargate?: boolean;
  /** The data hops built here (RDS with two replicas, Redis with two replicas), not external. */
  readonly data?: boolean;
}

/** The monitoring in a bare stack, every hop it watches built beside it. */
function build(props: Partial<RequestPathMonitoringProps> = {}, hops: Hops = { fargate: true, data: true }) {
  const stack = new Stack(new App(), 'Observability', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  const catalog = inlineFunction(stack, 'Catalog');
  const platform = hops.fargate ? new ContainerPlatform(stack, 'Platform', { vpc }) : undefined;
  const orders = platform
    ? new ContainerService(stack, 'Orders', {
        cluster: platform.cluster,
        listener: platform.listener,
        pathPrefix: '/orders',
        priority: 30,
        entry: path.join(__dirname, 'fixtures', 'server.ts'),
        environment: { POWERTOOLS_SERVICE_NAME: 'orders' },
        minTasks: 2,
        maxTasks: 4,
      })
    : undefined;
  const api = new StorefrontApi(stack, 'Api', {
    backends: {
      auth: ApiBackend.lambda(inlineFunction(stack, 'Auth')),
      catalog: ApiBackend.lambda(catalog),
      orders: platform
        ? ApiBackend.privateLoadBalancer(platform.vpcLink!, platform.loadBalancer)
        : ApiBackend.lambda(inlineFunction(stack, 'OrdersFn')),
      payments: ApiBackend.lambda(inlineFunction(stack, 'Payments')),
    },
    authorizer: inlineFunction(stack, 'Authorizer'),
    throttle: { rateLimit: 500, burstLimit: 1000 },
    writeThrottle: { rateLimit: 50, burstLimit: 100 },
  });
  const database = hops.data
    ? new ReadReplicatedDatabase(stack, 'Database', {
        vpc,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        appSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
        readReplicas: 2,
        multiAz: false,
      })
    : undefined;
  const cache = hops.data
    ? new ReplicatedCache(stack, 'Cache', {
        vpc,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        nodeType: 'cache.t4g.micro',
        replicas: 2,
      })
    : undefined;
  const deadLetterQueue = new sqs.Queue(stack, 'DeadLetters');
  const queue = new sqs.Queue(stack, 'Queue', { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 } });
  const topic = new sns.Topic(stack, 'Alarms');
  const webAcl = new RateLimitedWebAcl(stack, 'RegionalWebAcl', { scope: 'REGIONAL', requestsPerIp: 1000 });
  const monitoring = new RequestPathMonitoring(stack, 'Monitoring', {
    alarmTopic: topic,
    prefix: PREFIX,
    distribution: cloudfront.Distribution.fromDistributionAttributes(stack, 'Cdn', {
      distributionId: 'E2EXAMPLE',
      domainName: 'd111.cloudfront.net',
    }),
    webAcls: [webAcl],
    api,
    functions: { catalog, 'email-worker': inlineFunction(stack, 'Worker') },
    containerServices: orders ? { orders } : undefined,
    loadBalancer: platform?.loadBalancer,
    database,
    cache,
    queue,
    deadLetterQueue,
    ...props,
  });
  return { stack, monitoring, topic, api, database, cache, queue, deadLetterQueue, webAcl, orders, template: Template.fromStack(stack) };
}

describe('RequestPathMonitoring', () => {
  describe('with every hop', () => {
    const { template, stack, topic, api, database, cache, queue, deadLetterQueue, webAcl, orders } = build();
    const all = alarms(template);
    const watching = (namespace: string, metricName: string) => all.filter((a) => a.namespace === namespace && a.metricName === metricName);
    const dimension = (a: AlarmedMetric, name: string) => JSON.stringify(a.dimensions[name]);
    const resolved = (value: unknown) => JSON.stringify(stack.resolve(value));

    test('one dashboard named after the prefix, its rows along the request path in order', () => {
      const rows = dashboardRows(template, PREFIX);
      expect(rows).toHaveLength(ROWS.length);
      rows.forEach((row, i) => expect(row.header).toMatch(ROWS[i][0]));
    });

    test('each row graphs only its own hop', () => {
      dashboardRows(template, PREFIX).forEach((row, i) => {
        const namespaces = new Set(graphedMetrics(row.widgets).map((m) => m.namespace));
        expect(namespaces.size).toBeGreaterThan(0);
        expect([...namespaces].filter((ns) => !ROWS[i][1].includes(ns))).toEqual([]);
      });
    });

    test('the WAF row graphs the ACL allowed/blocked, and blocked by each of its rules', () => {
      const waf = graphedMetrics(dashboardRows(template, PREFIX)[1].widgets);
      const dims = { WebACL: webAcl.metricName, Region: 'eu-west-1' };
      expect(waf).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ metricName: 'AllowedRequests', dimensions: { ...dims, Rule: 'ALL' } }),
          expect.objectContaining({ metricName: 'BlockedRequests', dimensions: { ...dims, Rule: 'ALL' } }),
          ...webAcl.ruleMetricNames.map((rule) =>
            expect.objectContaining({ metricName: 'BlockedRequests', dimensions: { ...dims, Rule: rule } }),
          ),
        ]),
      );
    });

    test('every alarm notifies the topic and links to an existing section of docs/runbook.md', () => {
      expect(all.length).toBeGreaterThan(0);
      for (const alarm of all) {
        expect(alarm.alarmActions).toEqual([stack.resolve(topic.topicArn)]);
        expect(alarm.description).toContain(`${RUNBOOK_URL}#`);
        expect(RUNBOOK_ANCHORS).toContain(runbookAnchor(alarm.description));
      }
    });

    test('alarm names are prefixed with the stage, so on-call reads where it fires', () => {
      for (const alarm of all.filter((a) => a.alarmName !== undefined)) expect(alarm.alarmName).toMatch(new RegExp(`^${PREFIX}-`));
    });

    test('API: 5xx rate above 1 % and p99 latency above 1 s, on the API stage', () => {
      const [fault] = watching('AWS/ApiGateway', '5XXError');
      expect(fault).toMatchObject({ threshold: 1, comparison: 'GreaterThanThreshold' });
      expect(runbookAnchor(fault.description)).toBe('api-5xx-rate');
      const [latency] = watching('AWS/ApiGateway', 'Latency');
      expect(latency).toMatchObject({ threshold: 1000, comparison: 'GreaterThanThreshold' });
      expect(runbookAnchor(latency.description)).toBe('api-p99-latency');
      for (const a of [fault, latency]) {
        expect(a.dimensions).toEqual({ ApiName: api.restApi.restApiName, Stage: stack.resolve(api.stage.stageName) });
      }
    });

    test('Lambda: errors and throttles of every function', () => {
      const errors = watching('AWS/Lambda', 'Errors');
      const throttles = watching('AWS/Lambda', 'Throttles');
      expect(errors).toHaveLength(2);
      expect(throttles).toHaveLength(2);
      errors.forEach((a) => expect(runbookAnchor(a.description)).toBe('lambda-errors'));
      throttles.forEach((a) => expect(runbookAnchor(a.description)).toBe('lambda-throttles'));
    });

    test("Fargate: any unhealthy target of the service's target group alarms", () => {
      const [unhealthy] = watching('AWS/ApplicationELB', 'UnHealthyHostCount');
      expect(unhealthy).toMatchObject({ threshold: 0, comparison: 'GreaterThanThreshold' });
      expect(dimension(unhealthy, 'TargetGroup')).toBe(resolved(orders!.targetGroup.targetGroupFullName));
      expect(runbookAnchor(unhealthy.description)).toBe('unhealthy-targets');
    });

    test('Redis: engine CPU and evictions of every member node (`<group>-001`...), not of the replication group ID', () => {
      const members = [1, 2, 3].map((n) => resolved(`${cache!.replicationGroup.ref}-00${n}`));
      for (const [metric, anchor] of [
        ['EngineCPUUtilization', 'redis-cpu'],
        ['Evictions', 'redis-evictions'],
      ] as const) {
        const found = watching('AWS/ElastiCache', metric);
        expect(found.map((a) => dimension(a, 'CacheClusterId')).sort()).toEqual(members.sort());
        found.forEach((a) => expect(runbookAnchor(a.description)).toBe(anchor));
      }
      expect(all.filter((a) => dimension(a, 'CacheClusterId') === resolved(cache!.replicationGroup.ref))).toEqual([]);
    });

    test('RDS: CPU and free storage (< 5 GiB) of the primary and each replica', () => {
      const instances = [database!.primary, ...database!.replicas].map((i) => resolved(i.instanceIdentifier)).sort();
      const cpu = watching('AWS/RDS', 'CPUUtilization');
      expect(cpu.map((a) => dimension(a, 'DBInstanceIdentifier')).sort()).toEqual(instances);
      cpu.forEach((a) => expect(runbookAnchor(a.description)).toBe('rds-cpu'));
      const storage = watching('AWS/RDS', 'FreeStorageSpace');
      expect(storage.map((a) => dimension(a, 'DBInstanceIdentifier')).sort()).toEqual(instances);
      storage.forEach((a) => {
        expect(a).toMatchObject({ threshold: 5 * 1024 ** 3, comparison: 'LessThanThreshold' });
        expect(runbookAnchor(a.description)).toBe('rds-free-storage');
      });
    });

    test('RDS: one replica-lag alarm per replica, 30 s, a silent replica counting as lagging', () => {
      const lag = watching('AWS/RDS', 'ReplicaLag');
      expect(lag.map((a) => dimension(a, 'DBInstanceIdentifier')).sort()).toEqual(
        database!.replicas.map((r) => resolved(r.instanceIdentifier)).sort(),
      );
      lag.forEach((a) => {
        expect(a).toMatchObject({ threshold: 30, comparison: 'GreaterThanOrEqualToThreshold', treatMissingData: 'breaching' });
        expect(runbookAnchor(a.description)).toBe('rds-replica-lag');
      });
    });

    test('queue: oldest message older than 5 minutes, and any message at all in the DLQ', () => {
      const [age] = watching('AWS/SQS', 'ApproximateAgeOfOldestMessage');
      expect(age).toMatchObject({ threshold: 300, comparison: 'GreaterThanThreshold' });
      expect(dimension(age, 'QueueName')).toBe(resolved(queue.queueName));
      expect(runbookAnchor(age.description)).toBe('queue-oldest-message');
      const [dlq] = watching('AWS/SQS', 'ApproximateNumberOfMessagesVisible');
      expect(dlq).toMatchObject({ threshold: 0, comparison: 'GreaterThanThreshold' });
      expect(dimension(dlq, 'QueueName')).toBe(resolved(deadLetterQueue.queueName));
      expect(runbookAnchor(dlq.description)).toBe('dlq-not-empty');
    });
  });

  test('the p99 latency threshold comes from the props', () => {
    const { template } = build({ apiP99Latency: Duration.millis(2500) }, {});
    expect(alarms(template).find((a) => a.metricName === 'Latency')?.threshold).toBe(2500);
  });

  test('without a load balancer, database or cache their rows are left out, the order kept', () => {
    const { template } = build({}, {});
    const headers = dashboardRows(template, PREFIX).map((r) => r.header);
    expect(headers.map((h) => h.split('.')[0])).toEqual(['1', '2', '3', '4', '8']);
    expect(alarms(template).filter((a) => ['AWS/RDS', 'AWS/ElastiCache', 'AWS/ApplicationELB', 'AWS/ECS'].includes(a.namespace))).toEqual(
      [],
    );
  });

  test('a single-node cache is watched on its one member, `-001`', () => {
    const stack = new Stack(new App(), 'Single', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const cache = new ReplicatedCache(stack, 'Cache', {
      vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      nodeType: 'cache.t4g.micro',
      replicas: 0,
    });
    const api = new StorefrontApi(stack, 'Api', {
      backends: {
        auth: ApiBackend.lambda(inlineFunction(stack, 'Auth')),
        catalog: ApiBackend.lambda(inlineFunction(stack, 'Catalog')),
        orders: ApiBackend.lambda(inlineFunction(stack, 'Orders')),
        payments: ApiBackend.lambda(inlineFunction(stack, 'Payments')),
      },
      authorizer: inlineFunction(stack, 'Authorizer'),
      throttle: { rateLimit: 500, burstLimit: 1000 },
      writeThrottle: { rateLimit: 50, burstLimit: 100 },
    });
    new RequestPathMonitoring(stack, 'Monitoring', {
      alarmTopic: new sns.Topic(stack, 'Alarms'),
      prefix: PREFIX,
      distribution: cloudfront.Distribution.fromDistributionAttributes(stack, 'Cdn', {
        distributionId: 'E2EXAMPLE',
        domainName: 'd111.cloudfront.net',
      }),
      api,
      functions: {},
      cache,
      queue: new sqs.Queue(stack, 'Queue'),
      deadLetterQueue: new sqs.Queue(stack, 'DeadLetters'),
    });
    const redis = alarms(Template.fromStack(stack)).filter((a) => a.namespace === 'AWS/ElastiCache');
    expect(redis).toHaveLength(2);
    for (const a of redis) expect(a.dimensions.CacheClusterId).toEqual(stack.resolve(`${cache.replicationGroup.ref}-001`));
  });

  describe('with alarms off (an emulator without metric-math alarms)', () => {
    const { template } = build({ alarms: false });

    test('no alarm at all', () => {
      template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    });

    test('the same dashboard, every row kept', () => {
      const rows = dashboardRows(template, PREFIX);
      expect(rows).toHaveLength(ROWS.length);
      rows.forEach((row, i) => expect(row.header).toMatch(ROWS[i][0]));
    });
  });
});
