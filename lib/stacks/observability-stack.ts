import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { skipCheckov } from '../constructs/checkov.js';
import { ContainerService } from '../constructs/container-service.js';
import type { RateLimitedWebAcl } from '../constructs/rate-limited-web-acl.js';
import { RequestPathMonitoring } from '../constructs/request-path-monitoring.js';
import type { DataStack } from './data-stack.js';
import type { ServicesStack } from './services-stack.js';

export interface ObservabilityStackProps extends StackProps {
  /** Prefix of the dashboard and alarm names, e.g. the stage. */
  readonly prefix: string;
  readonly services: ServicesStack;
  readonly data: DataStack;
  readonly distribution: cloudfront.IDistribution;
  /** CloudFront's web ACL (Edge stack, us-east-1); graphed by its metric names, so no cross-region reference. */
  readonly edgeWebAcl: RateLimitedWebAcl;
  /**
   * Where alarm notifications are e-mailed.
   * @default - the topic has no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Create the alarms (otherwise only the dashboard and the topic).
   * @default true
   */
  readonly alarms?: boolean;
}

/** The dashboard along the request path, and the alarms published to one SNS topic. */
export class ObservabilityStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly monitoring: RequestPathMonitoring;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { services } = props;
    this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: 'Storefront alarms', enforceSSL: true });
    skipCheckov(this.alarmTopic, {
      id: 'CKV_AWS_26',
      comment:
        'Alarm notifications carry alarm names and metric values only; CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a CMK for this is not worth its key policy',
    });
    if (props.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      Validations.of(this.alarmTopic.node.findChild(props.alarmEmail)).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'An undelivered alarm email is not a lost alarm: the alarm stays in ALARM on the dashboard and in CloudWatch alarm history, and the mail system reports its own bounces.',
      });
    }

    const functions: Record<string, lambda.IFunction> = {
      'outbox-relay': services.functions.OutboxRelay,
      'email-worker': services.email.worker.function,
      ...(services.email.bounceRecorder ? { 'email-bounces': services.email.bounceRecorder.function } : {}),
    };
    const containers: Record<string, ContainerService> = {};
    for (const [name, runtime] of Object.entries(services.runtimes)) {
      if (runtime instanceof ContainerService) containers[name] = runtime;
      else functions[name] = runtime as lambda.IFunction;
    }
    this.monitoring = new RequestPathMonitoring(this, 'Monitoring', {
      alarmTopic: this.alarmTopic,
      prefix: props.prefix,
      distribution: props.distribution,
      webAcls: [props.edgeWebAcl, ...(services.webAcl ? [services.webAcl] : [])],
      api: services.api,
      functions,
      // A rejected token is a Lambda error too: the authorizer alarms on the faults its code counts.
      rejectingFunctions: { authorizer: { function: services.authorizer, faults: services.authorizerFaults } },
      containerServices: containers,
      loadBalancer: services.platform?.loadBalancer,
      database: props.data.rds,
      cache: props.data.redis,
      queue: services.email.queue,
      deadLetterQueue: services.email.deadLetterQueue,
      alarms: props.alarms,
    });
  }
}
