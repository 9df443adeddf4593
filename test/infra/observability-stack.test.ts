import { Template } from 'aws-cdk-lib/assertions';
import { loadStageConfig } from '../../lib/config/index.js';
import { RUNBOOK_URL } from '../../lib/constructs/runbook.js';
import { alarms, dashboardRows, graphedMetrics, RUNBOOK_ANCHORS, runbookAnchor } from './support/monitoring.js';
import { buildStage } from './support/stage.js';

const built = {
  prod: buildStage('prod').stage,
  dev: buildStage('dev').stage,
  local: buildStage('local').stage,
};
const templates = {
  prod: Template.fromStack(built.prod.observability),
  dev: Template.fromStack(built.dev.observability),
  local: Template.fromStack(built.local.observability),
};
const dashboardName = (stage: keyof typeof built) => `Storefront-${stage}`;
/** Row numbers of a stage's dashboard, in layout order. */
const rowNumbers = (stage: keyof typeof built) => dashboardRows(templates[stage], dashboardName(stage)).map((r) => r.header.split('.')[0]);

describe('ObservabilityStack', () => {
  describe('dashboard', () => {
    test('prod: every hop of the request path, in order', () => {
      const headers = dashboardRows(templates.prod, dashboardName('prod')).map((r) => r.header);
      expect(headers).toEqual([
        expect.stringMatching(/^1\. Edge: CloudFront/),
        expect.stringMatching(/^2\. Rate limiter: WAF/),
        expect.stringMatching(/^3\. Gateway: API Gateway/),
        expect.stringMatching(/^4\. Services/),
        expect.stringMatching(/^5\. Load balancer and Fargate services/),
        expect.stringMatching(/^6\. Cache: ElastiCache Redis/),
        expect.stringMatching(/^7\. Database: RDS PostgreSQL/),
        expect.stringMatching(/^8\. Async: email queue and worker/),
      ]);
    });

    test('dev (all on Lambda) has no load balancer row; local (external database and cache) no data rows', () => {
      expect(rowNumbers('dev')).toEqual(['1', '2', '3', '4', '6', '7', '8']);
      expect(rowNumbers('local')).toEqual(['1', '2', '3', '4', '8']);
    });

    test('the WAF row names its runbook section', () => {
      const waf = dashboardRows(templates.prod, dashboardName('prod'))[1].header;
      const anchor = /runbook: ([\w-]+)/.exec(waf)?.[1];
      expect(RUNBOOK_ANCHORS).toContain(anchor);
    });

    test("the WAF row graphs CloudFront's ACL by metric name in us-east-1 (no Region dimension) and the regional ACL in the stage region", () => {
      const { edge, services } = built.prod;
      const waf = graphedMetrics(dashboardRows(templates.prod, dashboardName('prod'))[1].widgets);
      expect(waf.every((m) => m.namespace === 'AWS/WAFV2')).toBe(true);

      const edgeMetrics = waf.filter((m) => m.dimensions.WebACL === edge.webAcl.metricName);
      expect(edgeMetrics.map((m) => `${m.metricName}/${m.dimensions.Rule}`).sort()).toEqual(
        ['AllowedRequests/ALL', 'BlockedRequests/ALL', ...edge.webAcl.ruleMetricNames.map((r) => `BlockedRequests/${r}`)].sort(),
      );
      for (const m of edgeMetrics) {
        expect(m.options.region).toBe('us-east-1');
        expect(m.dimensions).not.toHaveProperty('Region');
      }

      const regional = services.webAcl!;
      const regionalMetrics = waf.filter((m) => m.dimensions.WebACL === regional.metricName);
      expect(regionalMetrics.map((m) => `${m.metricName}/${m.dimensions.Rule}`).sort()).toEqual(
        ['AllowedRequests/ALL', 'BlockedRequests/ALL', ...regional.ruleMetricNames.map((r) => `BlockedRequests/${r}`)].sort(),
      );
      for (const m of regionalMetrics) {
        expect(m.options.region).toBe('eu-west-1');
        expect(m.dimensions.Region).toBe('eu-west-1');
      }
      expect(edgeMetrics.length + regionalMetrics.length).toBe(waf.length);
    });

    test('the web ACL metric names are plain strings, unique per stack', () => {
      const { edge, services } = built.prod;
      for (const name of [edge.webAcl.metricName, services.webAcl!.metricName]) expect(name).not.toMatch(/\$\{Token/);
      expect(edge.webAcl.metricName).not.toBe(services.webAcl!.metricName);
    });
  });

  describe('no cross-region reference to the Edge stack (design decision: graphed by metric name)', () => {
    test.each(['prod', 'dev', 'local'] as const)('%s', (stage) => {
      const { observability, edge } = built[stage];
      const template = templates[stage].toJSON();
      const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
      expect(types.filter((t) => t.startsWith('Custom::CrossRegion'))).toEqual([]);
      const json = JSON.stringify(template);
      expect(json).not.toContain(`"Fn::ImportValue":"${edge.stackName}:`);
      expect(json).not.toContain('/cdk/exports/');
      expect(observability.dependencies).not.toContain(edge);
      // Nor does the Edge stack write anything for it.
      expect(JSON.stringify(Template.fromStack(edge).toJSON())).not.toContain(observability.stackName);
    });
  });

  describe('alarms (prod)', () => {
    const all = alarms(templates.prod);
    const topicRef = () => {
      const [topicId] = Object.keys(templates.prod.findResources('AWS::SNS::Topic'));
      return { Ref: topicId };
    };
    const count = (namespace: string, metricName: string) =>
      all.filter((a) => a.namespace === namespace && a.metricName === metricName).length;

    test('every alarm notifies the alarm topic', () => {
      expect(all.length).toBeGreaterThan(0);
      for (const alarm of all) expect(alarm.alarmActions).toEqual([topicRef()]);
    });

    test('every alarm description links to a section that exists in docs/runbook.md', () => {
      for (const alarm of all) {
        expect(alarm.description).toContain(`${RUNBOOK_URL}#`);
        expect(RUNBOOK_ANCHORS).toContain(runbookAnchor(alarm.description));
      }
    });

    test('the expected kinds, one per watched resource', () => {
      const { data } = built.prod;
      const replicas = data.rds!.replicas.length;
      const redisNodes = data.redis!.replicationGroup.numCacheClusters!;
      expect(replicas).toBe(2);
      expect(redisNodes).toBe(3);
      expect({
        api5xxRate: count('AWS/ApiGateway', '5XXError'),
        apiP99Latency: count('AWS/ApiGateway', 'Latency'),
        // outbox relay, email worker, bounce recorder, auth (the other services run on Fargate in
        // prod); never the authorizer, whose errors include every rejected token (issue 8)
        lambdaErrors: count('AWS/Lambda', 'Errors'),
        authorizerFaults: count('Storefront', 'Faults'),
        lambdaThrottles: count('AWS/Lambda', 'Throttles'),
        // catalog, orders, payments
        unhealthyTargets: count('AWS/ApplicationELB', 'UnHealthyHostCount'),
        fargateCpu: count('AWS/ECS', 'CPUUtilization'),
        redisCpu: count('AWS/ElastiCache', 'EngineCPUUtilization'),
        redisEvictions: count('AWS/ElastiCache', 'Evictions'),
        rdsCpu: count('AWS/RDS', 'CPUUtilization'),
        replicaLag: count('AWS/RDS', 'ReplicaLag'),
        freeStorage: count('AWS/RDS', 'FreeStorageSpace'),
        queueOldestMessage: count('AWS/SQS', 'ApproximateAgeOfOldestMessage'),
        dlqNotEmpty: count('AWS/SQS', 'ApproximateNumberOfMessagesVisible'),
      }).toEqual({
        api5xxRate: 1,
        apiP99Latency: 1,
        lambdaErrors: 4,
        authorizerFaults: 1,
        lambdaThrottles: 5,
        unhealthyTargets: 3,
        fargateCpu: 3,
        redisCpu: redisNodes,
        redisEvictions: redisNodes,
        rdsCpu: 1 + replicas,
        replicaLag: replicas,
        freeStorage: 1 + replicas,
        queueOldestMessage: 1,
        dlqNotEmpty: 1,
      });
    });

    test("the authorizer pages on its code's faults, never on its Lambda errors (rejected tokens)", () => {
      const onAuthorizer = all.filter((a) => a.namespace === 'AWS/Lambda' && JSON.stringify(a.alarmName).includes('-authorizer-'));
      expect(onAuthorizer.map((a) => a.metricName)).toEqual(['Throttles']);
      const faults = all.filter((a) => a.namespace === 'Storefront' && a.metricName === 'Faults');
      expect(faults).toHaveLength(1);
      expect(faults[0]).toMatchObject({ dimensions: { service: 'authorizer', stage: 'default' }, threshold: 1 });
      expect(faults[0].alarmActions.length).toBeGreaterThan(0);
    });

    test('the DLQ alarm fires on its first message; the email queue alarm is on the queue, not the DLQ', () => {
      const { email } = built.prod.services;
      const queueName = (q: typeof email.queue) => built.prod.observability.resolve(q.queueName);
      const dlq = all.find((a) => a.metricName === 'ApproximateNumberOfMessagesVisible')!;
      expect(dlq).toMatchObject({ threshold: 0, comparison: 'GreaterThanThreshold' });
      expect(dlq.dimensions.QueueName).toEqual(queueName(email.deadLetterQueue));
      const age = all.find((a) => a.metricName === 'ApproximateAgeOfOldestMessage')!;
      expect(age.dimensions.QueueName).toEqual(queueName(email.queue));
    });
  });

  test('dev alarms too: one Redis node, one replica, no Fargate', () => {
    const all = alarms(templates.dev);
    const count = (metricName: string) => all.filter((a) => a.metricName === metricName).length;
    expect(count('EngineCPUUtilization')).toBe(1);
    expect(count('ReplicaLag')).toBe(1);
    expect(count('UnHealthyHostCount')).toBe(0);
    for (const alarm of all) expect(RUNBOOK_ANCHORS).toContain(runbookAnchor(alarm.description));
  });

  test('local (alarms: false): no alarm, but the dashboard', () => {
    expect(loadStageConfig('local').alarms).toBe(false);
    templates.local.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    templates.local.resourcePropertiesCountIs('AWS::CloudWatch::Dashboard', { DashboardName: dashboardName('local') }, 1);
  });

  describe('alarm topic', () => {
    test.each(['prod', 'dev', 'local'] as const)('%s: publishing without TLS is denied', (stage) => {
      const template = templates[stage];
      const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: [
            {
              Sid: 'AllowPublishThroughSSLOnly',
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Resource: { Ref: topicId },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
          Version: '2012-10-17',
        },
      });
    });

    test('an e-mail subscription only where alarmEmail is configured', () => {
      const prodEmail = loadStageConfig('prod').alarmEmail;
      expect(prodEmail).toBeDefined();
      templates.prod.resourceCountIs('AWS::SNS::Subscription', 1);
      templates.prod.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: prodEmail });
      for (const stage of ['dev', 'local'] as const) {
        expect(loadStageConfig(stage).alarmEmail).toBeUndefined();
        templates[stage].resourceCountIs('AWS::SNS::Subscription', 0);
      }
    });

    test('dev with an alarmEmail gets the subscription', () => {
      const { stage } = buildStage({ ...loadStageConfig('dev'), alarmEmail: 'team@example.com' });
      Template.fromStack(stage.observability).hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'team@example.com',
      });
    });
  });

  test('the stack is in the stage region, beside what it watches', () => {
    for (const stage of Object.values(built)) {
      expect(stage.observability.region).toBe(stage.services.region);
    }
  });
});
