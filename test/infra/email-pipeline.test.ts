import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { EmailPipeline, type EmailPipelineProps, VISIBILITY_TO_TIMEOUT_RATIO } from '../../lib/constructs/email-pipeline.js';

const ENTRY = path.join(__dirname, 'fixtures', 'lambda', 'email-worker', 'handler.ts');
const SENDER = 'orders@shop.example.com';

interface BuildOptions {
  /** Put the worker in a VPC next to a cache security group. */
  readonly vpc?: boolean;
  /** Give the cache an AUTH secret. */
  readonly authSecret?: boolean;
}

/** The pipeline in a bare stack, its collaborators as the data stack would hand them over; no bundling. */
function build(overrides: Partial<EmailPipelineProps> = {}, options: BuildOptions = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Email', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = options.vpc ? new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }) : undefined;
  const cacheSg = vpc ? new ec2.SecurityGroup(stack, 'CacheSg', { vpc }) : undefined;
  const authSecret = options.authSecret === false ? undefined : new secretsmanager.Secret(stack, 'RedisAuth');
  const idempotencyTable = new dynamodb.TableV2(stack, 'Idempotency', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  });
  // Only its endpoint port is used: a deploy-time attribute, as the data stack hands it over.
  const replicationGroup = new elasticache.CfnReplicationGroup(stack, 'Cache', {
    replicationGroupDescription: 'test cache',
    engine: 'redis',
    cacheNodeType: 'cache.t4g.micro',
    numCacheClusters: 1,
  });
  const pipeline = new EmailPipeline(stack, 'Email', {
    sender: SENDER,
    sendsPerSecond: 14,
    maxConcurrency: 5,
    idempotencyTable,
    cache: {
      host: 'redis.example',
      port: replicationGroup.attrPrimaryEndPointPort,
      tls: true,
      authSecret,
      connections: cacheSg ? new ec2.Connections({ securityGroups: [cacheSg], defaultPort: ec2.Port.tcp(6379) }) : undefined,
    },
    vpc,
    workerEntry: ENTRY,
    ...overrides,
  });
  return { stack, pipeline, idempotencyTable, authSecret, cacheSg, replicationGroup, template: Template.fromStack(stack) };
}

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

/** Every statement of every IAM policy attached to the worker's role. */
function workerStatements(
  template: Template,
  stack: Stack,
  pipeline: EmailPipeline,
): { Action: string | string[]; Resource: unknown; Effect: string }[] {
  const roleRef = stack.resolve(pipeline.worker.function.role!.roleName);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(roleRef)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}
const actionsOf = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('EmailPipeline', () => {
  describe('with its defaults', () => {
    const { template, stack, pipeline, idempotencyTable, authSecret, replicationGroup } = build();
    const queueId = logicalId(stack, pipeline.queue);
    const dlqId = logicalId(stack, pipeline.deadLetterQueue);

    test('the queue and its DLQ keep their construct IDs (renaming one drops the jobs in flight)', () => {
      expect(queueId).toMatch(/^EmailQueue[0-9A-F]{8}$/);
      expect(dlqId).toMatch(/^EmailDeadLetters[0-9A-F]{8}$/);
      template.resourceCountIs('AWS::SQS::Queue', 2);
    });

    test.each([
      ['queue', () => queueId],
      ['dead-letter queue', () => dlqId],
    ])('the %s is encrypted with SSE-SQS and refuses requests without TLS', (_name, id) => {
      expect(template.toJSON().Resources[id()].Properties.SqsManagedSseEnabled).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id() }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: { 'Fn::GetAtt': [id(), 'Arn'] },
            }),
          ]),
        },
      });
    });

    test('after 5 deliveries a job goes to the dead-letter queue', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
      });
      // The DLQ itself redrives nowhere.
      expect(template.toJSON().Resources[dlqId].Properties.RedrivePolicy).toBeUndefined();
    });

    test('the DLQ keeps messages 14 days, longer than the queue (a standard DLQ expires by the original enqueue time)', () => {
      const resources = template.toJSON().Resources;
      const dlqRetention = resources[dlqId].Properties.MessageRetentionPeriod;
      const queueRetention = resources[queueId].Properties.MessageRetentionPeriod;
      expect(dlqRetention).toBe(Duration.days(14).toSeconds());
      expect(queueRetention).toBe(Duration.days(4).toSeconds());
      expect(dlqRetention).toBeGreaterThan(queueRetention);
    });

    test('the visibility timeout is six times the 30 s worker timeout', () => {
      const fnId = logicalId(stack, pipeline.worker.function);
      const resources = template.toJSON().Resources;
      expect(resources[fnId].Properties.Timeout).toBe(30);
      expect(resources[queueId].Properties.VisibilityTimeout).toBe(30 * VISIBILITY_TO_TIMEOUT_RATIO);
      expect(VISIBILITY_TO_TIMEOUT_RATIO).toBe(6);
    });

    test('the worker drains the queue in batches of 10, at most maxConcurrency at once, reporting partial failures', () => {
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        FunctionName: { Ref: logicalId(stack, pipeline.worker.function) },
        BatchSize: 10,
        ScalingConfig: { MaximumConcurrency: 5 },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    test('the sender address is an SES email identity', () => {
      template.resourceCountIs('AWS::SES::EmailIdentity', 1);
      template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: SENDER });
    });

    test('the worker gets exactly the variables the runtime contract lists for email-worker', () => {
      const env = template.toJSON().Resources[logicalId(stack, pipeline.worker.function)].Properties.Environment.Variables;
      expect(Object.keys(env).sort()).toEqual([
        'EMAIL_RATE_PER_SECOND',
        'EMAIL_SENDER',
        'EMAIL_WORKER_CONCURRENCY',
        'IDEMPOTENCY_TABLE',
        'NODE_OPTIONS',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'REDIS_AUTH_SECRET_ARN',
        'REDIS_HOST',
        'REDIS_PORT',
        'REDIS_TLS',
      ]);
      expect(env).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'email-worker',
        EMAIL_SENDER: SENDER,
        // The limiter's rate: sends per second across every instance.
        EMAIL_RATE_PER_SECOND: '14',
        // Its share of the rate with Redis down: 14 / 5 per instance.
        EMAIL_WORKER_CONCURRENCY: '5',
        IDEMPOTENCY_TABLE: stack.resolve(idempotencyTable.tableName),
        REDIS_HOST: 'redis.example',
        REDIS_PORT: stack.resolve(replicationGroup.attrPrimaryEndPointPort),
        REDIS_TLS: 'true',
        REDIS_AUTH_SECRET_ARN: stack.resolve(authSecret!.secretArn),
      });
    });

    test('the worker may send email from its identity only, and nothing else on SES', () => {
      const statements = workerStatements(template, stack, pipeline);
      const ses = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
      expect(ses).toEqual([
        expect.objectContaining({ Effect: 'Allow', Action: 'ses:SendEmail', Resource: stack.resolve(pipeline.identity.emailIdentityArn) }),
      ]);
      for (const s of statements) {
        expect(actionsOf(s).filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
      }
    });

    test('the worker consumes the queue but cannot send to it or touch the DLQ', () => {
      const statements = workerStatements(template, stack, pipeline);
      const sqs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
      expect(sqs).toHaveLength(1);
      expect(sqs[0].Resource).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
      expect(actionsOf(sqs[0])).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']));
      expect(actionsOf(sqs[0])).not.toContain('sqs:SendMessage');
      expect(JSON.stringify(statements)).not.toContain(dlqId);
    });

    test('the worker reads and writes the idempotency table and reads the Redis AUTH secret', () => {
      const statements = workerStatements(template, stack, pipeline);
      const table = stack.resolve(idempotencyTable.tableArn);
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Action: expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']),
            Resource: table,
          }),
          expect.objectContaining({
            Action: expect.arrayContaining(['secretsmanager:GetSecretValue']),
            Resource: stack.resolve(authSecret!.secretArn),
          }),
        ]),
      );
    });
  });

  describe('with custom props', () => {
    test('maxReceiveCount, batch size and concurrency come from the props', () => {
      const { template } = build({ maxReceiveCount: 2, batchSize: 5, maxConcurrency: 3 });
      template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 2 }) });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: 5,
        ScalingConfig: { MaximumConcurrency: 3 },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    test('a custom worker timeout moves the visibility timeout with it (6 x 45 s)', () => {
      const { template, stack, pipeline } = build({ workerTimeout: Duration.seconds(45) });
      const resources = template.toJSON().Resources;
      expect(resources[logicalId(stack, pipeline.worker.function)].Properties.Timeout).toBe(45);
      expect(resources[logicalId(stack, pipeline.queue)].Properties.VisibilityTimeout).toBe(270);
    });

    test('a visibility timeout above the minimum is kept; exactly 6 x the worker timeout is allowed', () => {
      const longer = build({ workerTimeout: Duration.seconds(10), visibilityTimeout: Duration.minutes(5) });
      expect(longer.template.toJSON().Resources[logicalId(longer.stack, longer.pipeline.queue)].Properties.VisibilityTimeout).toBe(300);
      expect(() => build({ workerTimeout: Duration.seconds(10), visibilityTimeout: Duration.seconds(60) })).not.toThrow();
    });

    test('a visibility timeout below 6 x the worker timeout is refused (jobs would be redelivered mid-send)', () => {
      expect(() => build({ workerTimeout: Duration.seconds(30), visibilityTimeout: Duration.seconds(179) })).toThrow(
        /visibilityTimeout \(179 s\) must be at least 6 x workerTimeout \(30 s\)/,
      );
      expect(() => build({ workerTimeout: Duration.seconds(30), visibilityTimeout: Duration.seconds(30) })).toThrow(/at least 6 x/);
    });

    test('a domain sender becomes a domain identity, and the worker may send from it', () => {
      const { template, stack, pipeline } = build({ sender: 'shop.example.com' });
      template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'shop.example.com' });
      const ses = workerStatements(template, stack, pipeline).filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
      expect(ses).toEqual([
        expect.objectContaining({ Action: 'ses:SendEmail', Resource: stack.resolve(pipeline.identity.emailIdentityArn) }),
      ]);
    });

    test('without an AUTH secret the worker gets no REDIS_AUTH_SECRET_ARN and no secret permission', () => {
      const { template, stack, pipeline } = build({}, { authSecret: false });
      const env = template.toJSON().Resources[logicalId(stack, pipeline.worker.function)].Properties.Environment.Variables;
      expect(env).not.toHaveProperty('REDIS_AUTH_SECRET_ARN');
      expect(
        workerStatements(template, stack, pipeline)
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('secretsmanager:')),
      ).toEqual([]);
    });

    test('in a VPC the worker opens its own way into Redis on 6379, and nothing else into the cache', () => {
      const { template, stack, pipeline, cacheSg } = build({}, { vpc: true });
      const workerSg = stack.resolve(pipeline.worker.function.connections.securityGroups[0].securityGroupId);
      template.resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', { GroupId: stack.resolve(cacheSg!.securityGroupId) }, 1);
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: stack.resolve(cacheSg!.securityGroupId),
        SourceSecurityGroupId: workerSg,
        IpProtocol: 'tcp',
        FromPort: 6379,
        ToPort: 6379,
      });
    });
  });
});
