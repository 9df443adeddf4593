import * as path from 'node:path';
import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as eventsources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { skipCheckov } from './checkov.js';
import type { CacheAccess } from './database-access.js';
import { acknowledgeDeadLetterQueue } from './nag.js';
import { ServiceFunction } from './service-function.js';

const REPO_ROOT = path.join(__dirname, '..', '..');
/** AWS's guidance: a queue's visibility timeout at least six times its consumer's timeout. */
export const VISIBILITY_TO_TIMEOUT_RATIO = 6;

/** The shop's own mail domain: its public hosted zone (imported by id, never looked up). */
export interface MailDomain {
  readonly zone: route53.IHostedZone;
  /**
   * Subdomain of the zone used as the custom MAIL FROM (bounce return path, SPF aligned with it).
   * @default 'mail'
   */
  readonly mailFromSubdomain?: string;
}

export interface EmailPipelineProps {
  /** Address the confirmations are sent from. */
  readonly sender: string;
  /**
   * Send as a verified domain: an SES domain identity with Easy DKIM records written into the zone,
   * a custom MAIL FROM (MX and SPF records), and a configuration set whose bounce and complaint
   * events feed the suppression list (SES's own, and the one the worker reads). `sender` must be an
   * address of the zone's domain.
   * @default - an email-address identity for `sender` (in a sandboxed account: verified recipients only)
   */
  readonly domain?: MailDomain;
  /** Sends per second across every concurrent worker (the provider's rate). */
  readonly sendsPerSecond: number;
  /** Most concurrent worker invocations the queue may drive (SQS event source `maxConcurrency`). */
  readonly maxConcurrency: number;
  readonly cache: CacheAccess;
  readonly idempotencyTable: dynamodb.ITable;
  /**
   * Deliveries before a job is moved to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Worker timeout; the queue's visibility timeout is derived from it.
   * @default Duration.seconds(30)
   */
  readonly workerTimeout?: Duration;
  /**
   * Queue visibility timeout; must be at least six times `workerTimeout`.
   * @default - six times `workerTimeout`
   */
  readonly visibilityTimeout?: Duration;
  /**
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * The worker's TypeScript entry.
   * @default lambda/email-worker/handler.ts
   */
  readonly workerEntry?: string;
  /**
   * See `ServiceFunctionProps.bundleAwsSdk`.
   * @default false
   */
  readonly bundleAwsSdk?: boolean;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Order confirmations leave the request: an encrypted SQS queue with a dead-letter queue, and the
 * email worker that drains it through SES at no more than the provider's rate (a token bucket in
 * Redis shared by all its instances), reporting partial batch failures so one bad job does not
 * redeliver its batch.
 */
export class EmailPipeline extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly worker: ServiceFunction;
  readonly identity: ses.EmailIdentity;
  /** With a domain: the configuration set every send goes through (the identity's default). */
  readonly configurationSet?: ses.ConfigurationSet;
  /** With a domain: the function adding bounced and complaining addresses to the suppression list. */
  readonly bounceRecorder?: ServiceFunction;

  constructor(scope: Construct, id: string, props: EmailPipelineProps) {
    super(scope, id);
    const workerTimeout = props.workerTimeout ?? Duration.seconds(30);
    const visibilityTimeout = props.visibilityTimeout ?? Duration.seconds(workerTimeout.toSeconds() * VISIBILITY_TO_TIMEOUT_RATIO);
    if (visibilityTimeout.toSeconds() < workerTimeout.toSeconds() * VISIBILITY_TO_TIMEOUT_RATIO) {
      throw new Error(
        `EmailPipeline: visibilityTimeout (${visibilityTimeout.toSeconds()} s) must be at least ${VISIBILITY_TO_TIMEOUT_RATIO} x workerTimeout (${workerTimeout.toSeconds()} s)`,
      );
    }
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      removalPolicy: props.removalPolicy,
    });
    acknowledgeDeadLetterQueue(this.deadLetterQueue);
    for (const queue of [this.deadLetterQueue, this.queue]) {
      skipCheckov(queue, {
        id: 'CKV_AWS_27',
        comment: 'Encrypted at rest with SSE-SQS (SqsManagedSseEnabled); checkov only recognises a KMS key (cdk-nag SQS2 gates SSE)',
      });
    }
    const domain = props.domain;
    if (domain) {
      const zoneName = domain.zone.zoneName;
      if (!props.sender.endsWith(`@${zoneName}`)) {
        throw new Error(`EmailPipeline: sender ${props.sender} is not an address of the mail domain ${zoneName}`);
      }
      // SES adds bounced and complained addresses to the account's suppression list itself; the
      // events also reach our own list, which the worker checks before spending a send on them.
      this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
        suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        reputationMetrics: true,
        sendingEnabled: true,
      });
    }
    this.identity = new ses.EmailIdentity(this, 'Sender', {
      identity: domain ? ses.Identity.publicHostedZone(domain.zone) : ses.Identity.email(props.sender),
      mailFromDomain: domain ? `${domain.mailFromSubdomain ?? 'mail'}.${domain.zone.zoneName}` : undefined,
      // A MAIL FROM whose MX record is missing falls back to amazonses.com instead of refusing to send.
      mailFromBehaviorOnMxFailure: domain ? ses.MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE : undefined,
      configurationSet: this.configurationSet,
    });

    const { cache } = props;
    this.worker = new ServiceFunction(this, 'Worker', {
      service: 'email-worker',
      entry: props.workerEntry ?? path.join(REPO_ROOT, 'lambda', 'email-worker', 'handler.ts'),
      timeout: workerTimeout,
      bundleAwsSdk: props.bundleAwsSdk,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        EMAIL_SENDER: props.sender,
        EMAIL_RATE_PER_SECOND: String(props.sendsPerSecond),
        // With Redis down, each instance falls back to its share of the rate: rate / concurrency.
        EMAIL_WORKER_CONCURRENCY: String(props.maxConcurrency),
        IDEMPOTENCY_TABLE: props.idempotencyTable.tableName,
        REDIS_HOST: cache.host,
        REDIS_PORT: cache.port,
        REDIS_TLS: String(cache.tls),
        ...(cache.authSecret ? { REDIS_AUTH_SECRET_ARN: cache.authSecret.secretArn } : {}),
      },
    });
    const fn = this.worker.function;
    fn.addEventSource(
      new eventsources.SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? 10,
        maxConcurrency: props.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    const mapping = fn.node.children.find((c) => c.node.id.startsWith('SqsEventSource'));
    if (mapping) {
      Validations.of(mapping).acknowledge({
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason:
          'An SQS event source takes no on-failure destination (only stream and Kafka sources do): failed jobs return to the queue and reach its dead-letter queue after maxReceiveCount deliveries.',
      });
    }
    props.idempotencyTable.grantReadWriteData(fn);
    cache.authSecret?.grantRead(fn);
    if (props.vpc && cache.connections) {
      // The default port, not `cache.port`: that is the replication group's deploy-time attribute.
      fn.connections.allowToDefaultPort(cache.connections, 'Email worker to Redis');
    }
    const stack = Stack.of(this);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        // Sending through a configuration set is authorised on the set as well as the identity.
        resources: [
          this.identity.emailIdentityArn,
          ...(this.configurationSet
            ? [stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName })]
            : []),
        ],
      }),
    );

    if (this.configurationSet) {
      const events = new sns.Topic(this, 'BouncesAndComplaints', {
        displayName: 'Storefront SES bounces and complaints',
        enforceSSL: true,
      });
      skipCheckov(events, {
        id: 'CKV_AWS_26',
        comment:
          'SES event notifications carry recipient addresses and bounce codes, as SES itself stores them; SES cannot publish to a topic under the AWS-managed SNS key',
      });
      this.configurationSet.addEventDestination('ToSuppressionList', {
        destination: ses.EventDestination.snsTopic(events),
        events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
      });
      this.bounceRecorder = new ServiceFunction(this, 'BounceRecorder', {
        service: 'email-bounces',
        entry: path.join(path.dirname(props.workerEntry ?? path.join(REPO_ROOT, 'lambda', 'email-worker', 'handler.ts')), 'bounces.ts'),
        bundleAwsSdk: props.bundleAwsSdk,
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
        environment: { IDEMPOTENCY_TABLE: props.idempotencyTable.tableName },
      });
      skipCheckov(this.bounceRecorder.function, {
        id: 'CKV_AWS_117',
        comment: 'The bounce recorder only writes DynamoDB items (IAM-scoped, TLS) from SNS events; it reaches nothing inside the VPC',
      });
      props.idempotencyTable.grantWriteData(this.bounceRecorder.function);
      // SNS retries a failed delivery to Lambda, then drops it; here it lands where it can be replayed.
      const undelivered = new sqs.Queue(this, 'UndeliveredBounces', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy: props.removalPolicy,
      });
      acknowledgeDeadLetterQueue(undelivered);
      Validations.of(undelivered).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: "This is the subscription's dead-letter queue (SNS redrive policy), which cdk-nag only recognises for queues.",
      });
      skipCheckov(undelivered, {
        id: 'CKV_AWS_27',
        comment: 'Encrypted at rest with SSE-SQS (SqsManagedSseEnabled); checkov only recognises a KMS key (cdk-nag SQS2 gates SSE)',
      });
      events.addSubscription(new subscriptions.LambdaSubscription(this.bounceRecorder.function, { deadLetterQueue: undelivered }));
    }
  }
}
