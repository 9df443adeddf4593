import * as path from 'node:path';
import { CfnOutput, Duration, type RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ApiBackend, loadBalancerPathPatterns } from '../constructs/api-backend.js';
import { ContainerPlatform } from '../constructs/container-platform.js';
import { skipCheckov } from '../constructs/checkov.js';
import { ContainerService } from '../constructs/container-service.js';
import { acknowledgeRetriedBySchedule } from '../constructs/nag.js';
import { OriginSecret, type OriginSecretVersions } from '../constructs/origin-secret.js';
import { RateLimitedWebAcl, type WebAclLogging } from '../constructs/rate-limited-web-acl.js';
import type { ApiService } from '../../contract/routes.js';
import { API_STAGE_NAME, StorefrontApi, type Throttle } from '../constructs/storefront-api.js';
import type { CacheAccess, DatabaseAccess } from '../constructs/database-access.js';
import { EmailPipeline } from '../constructs/email-pipeline.js';
import { faultsMetric, METRICS_NAMESPACE } from '../constructs/service-function.js';
import { runbook } from '../constructs/runbook.js';
import { type ComputeConfig, type ContainersConfig, DEFAULT_CONTAINERS } from '../config/index.js';
import type { PublicApi } from './cdn-stack.js';
import { LOGIN_PATH, type ShopDomain, type WafLimits } from './edge-stack.js';

/** Where the services' code lives (`lambda/<service>/handler.ts`, `server.ts`, ...). */
export const LAMBDA_ROOT = path.join(__dirname, '..', '..', 'lambda');

/** How one service runs in a stage (`lambda`, or `fargate` with its task counts and size). */
export type ServiceCompute = ComputeConfig;

/** A function the stack can build: what the foundation's `ServiceFunction` needs from us. */
export interface FunctionSpec {
  /** Service identity (`POWERTOOLS_SERVICE_NAME`). */
  readonly service: string;
  /** TypeScript entry file. */
  readonly entry: string;
  readonly environment: Record<string, string>;
  /**
   * Longest run of one invocation.
   * @default - the function construct's default
   */
  readonly timeout?: Duration;
  /**
   * Run in the VPC's application subnets. Only what reaches the database or the cache needs to; a
   * function that only calls AWS APIs is faster to start and needs no NAT outside it.
   * @default true
   */
  readonly inVpc?: boolean;
  /**
   * The fault metric that gates its canary, when its Lambda errors include expected rejections.
   * @default - the function's Lambda errors
   */
  readonly faultMetric?: cloudwatch.IMetric;
}

/** Anything a grant or a security-group rule can be written against: a function or a container service. */
export type ServiceRuntime = iam.IGrantable & ec2.IConnectable;

/** What `buildFunction` returns (the shape of `ServiceFunction`). */
export interface BuiltFunction {
  /** The function itself: grants and security-group rules are written against it. */
  readonly function: lambda.IFunction & ServiceRuntime;
  /** What callers invoke: the `live` alias under canary deployments, else the function. */
  readonly invokable: lambda.IFunction;
  /**
   * The CodeDeploy group shifting traffic to new versions (canary deployments).
   * @default - no canary
   */
  readonly deploymentGroup?: codedeploy.LambdaDeploymentGroup;
}

export interface ServicesStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  /** Subnets of the functions and tasks. */
  readonly appSubnets: ec2.SubnetSelection;
  readonly database: DatabaseAccess;
  readonly cache: CacheAccess;
  readonly idempotencyTable: dynamodb.ITable;
  /** Order-confirmation emails: sender identity, provider rate, worker concurrency. */
  readonly email: {
    readonly sender: string;
    readonly sendsPerSecond: number;
    readonly maxConcurrency: number;
    readonly bundleAwsSdk?: boolean;
    /** @default 5 (see EmailPipelineProps) */
    readonly maxReceiveCount?: number;
    /** @default Duration.seconds(30) */
    readonly workerTimeout?: Duration;
    /**
     * Send as the shop's domain (DKIM, MAIL FROM, configuration set, suppression list fed by SES);
     * its zone is imported by id, as the Edge and Cdn stacks do.
     * @default - an email-address identity
     */
    readonly domain?: ShopDomain;
  };
  /** Builds a Lambda function with the project's defaults (the foundation's `ServiceFunction`). */
  readonly buildFunction: (scope: Construct, id: string, spec: FunctionSpec) => BuiltFunction;
  /** Compute of each HTTP service in this stage. */
  readonly compute: Record<ApiService, ServiceCompute>;
  /**
   * CPU and base image of the Fargate services, and how the REST API reaches their load balancer.
   * @default DEFAULT_CONTAINERS (ARM64 tasks from node:24-alpine, reached through a VPC link V2)
   */
  readonly containers?: ContainersConfig;
  /** Regional WAF limits (behind CloudFront, a backstop to the edge ACL). */
  readonly waf: WafLimits;
  /**
   * Attach a REGIONAL web ACL to the API stage. Without it nothing checks the origin
   * secret, so only for stages whose API is not reached through CloudFront (the emulator).
   * @default true
   */
  readonly regionalWebAcl?: boolean;
  /**
   * Request log of the regional web ACL.
   * @default - none
   */
  readonly wafLogging?: WebAclLogging;
  readonly throttle: Throttle;
  readonly writeThrottle: Throttle;
  /**
   * Create the account's API Gateway CloudWatch Logs role (see `StorefrontApiProps.cloudWatchRole`).
   * @default false
   */
  readonly cloudWatchRole?: boolean;
  /**
   * Protect the internal ALB from deletion.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * Secret versions CloudFront and the regional web ACL are pinned to (rotation).
   * @default - AWSCURRENT
   */
  readonly originSecretVersions?: OriginSecretVersions;
  /** Where clients reach the API; with `apigateway`, `ApiUrl` is output here and no origin secret is required. */
  readonly publicApi: PublicApi;
  /**
   * Endpoint of the AWS emulator the stage deploys to: `ApiUrl` is then the emulator's URL of the API.
   * @default - none: `ApiUrl` is API Gateway's
   */
  readonly emulatorEndpoint?: string;
  /**
   * Folder holding `<service>/handler.ts`, `server.ts`, `authorizer.ts`, `relay.ts`, `sweep.ts`.
   * @default the repository's `lambda/`
   */
  readonly codeRoot?: string;
  /**
   * Catalog cache TTL (`CACHE_TTL_SECONDS`).
   * @default - the service's default (60 s)
   */
  readonly cacheTtlSeconds?: number;
  /** Stage config `orders`: stock reservation lifetime and open orders per user (`ORDER_*`). */
  readonly orders: { readonly reservationTtlSeconds: number; readonly maxOpenOrdersPerUser: number };
  /**
   * Retention of the API access log and container logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the generated secrets and logs.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

const SERVICES: readonly ApiService[] = ['auth', 'catalog', 'orders', 'payments'];
/** ALB path rule priority per service (unique per listener). */
const PRIORITY: Record<ApiService, number> = { auth: 10, catalog: 20, orders: 30, payments: 40 };
/** Path prefix each service owns on the ALB (runtime contract). */
const PREFIX: Record<ApiService, string> = { auth: '/auth', catalog: '/products', orders: '/orders', payments: '/payments' };

/**
 * The compute of the request path: the four services (Lambda or Fargate per config), the token
 * authorizer, the outbox relay, the REST API in front of them with its regional web ACL, and the
 * ALB, cluster and VPC link when a service runs on Fargate. Every service gets exactly the
 * environment and permissions the runtime contract lists, and opens its own way into the database
 * and cache (rules live here, so the data stack never depends on this one).
 */
export class ServicesStack extends Stack {
  readonly api: StorefrontApi;
  readonly originSecret: OriginSecret;
  readonly tokenSecret: secretsmanager.Secret;
  readonly runtimes: Record<ApiService, ServiceRuntime>;
  readonly platform?: ContainerPlatform;
  readonly email: EmailPipeline;
  /**
   * The authorizer function itself (not its `live` alias): metrics by function name cover every
   * version, and a function's name is a plain attribute, where an alias's is a `Fn::Split` of its
   * ARN that a weak cross-stack reference would turn into a split of `Fn::GetStackOutput`.
   */
  readonly authorizer: lambda.IFunction;
  /** The authorizer's own fault count (its Lambda errors include every rejected token). */
  readonly authorizerFaults: cloudwatch.IMetric;
  /** The outbox relay function itself (see `authorizer`). */
  readonly relay: lambda.IFunction;
  readonly orderSweep: lambda.IFunction;
  /** The regional web ACL on the API stage and the ALB, unless the stage turns it off. */
  readonly webAcl?: RateLimitedWebAcl;

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    const { database, cache } = props;
    const codeRoot = props.codeRoot ?? LAMBDA_ROOT;

    this.tokenSecret = new secretsmanager.Secret(this, 'TokenSigningKey', {
      description: "Key signing the shop's session tokens",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.tokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the signing key signs every session out unless verifiers accept two keys; rotated by hand (docs/runbook.md#rotate-token-key).',
    });
    this.originSecret = new OriginSecret(this, 'OriginSecret', {
      removalPolicy: props.removalPolicy,
      versions: props.originSecretVersions,
    });

    this.email = new EmailPipeline(this, 'Email', {
      sender: props.email.sender,
      sendsPerSecond: props.email.sendsPerSecond,
      maxConcurrency: props.email.maxConcurrency,
      bundleAwsSdk: props.email.bundleAwsSdk,
      maxReceiveCount: props.email.maxReceiveCount,
      workerTimeout: props.email.workerTimeout,
      domain: props.email.domain && {
        zone: route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
          hostedZoneId: props.email.domain.hostedZoneId,
          zoneName: props.email.domain.name,
        }),
      },
      cache,
      idempotencyTable: props.idempotencyTable,
      workerEntry: path.join(codeRoot, 'email-worker', 'handler.ts'),
      vpc: props.vpc,
      vpcSubnets: props.appSubnets,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const emailQueue = this.email.queue;

    const base = (service: string) => ({ POWERTOOLS_SERVICE_NAME: service, POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE });
    const db = {
      DB_WRITER_HOST: database.writerHost,
      DB_PORT: database.port,
      DB_NAME: database.name,
      DB_SECRET_ARN: database.secret.secretArn,
      DB_SSL: database.ssl,
    };
    const readers = { DB_READER_HOSTS: database.readerHosts.join(',') };
    const redis = {
      REDIS_HOST: cache.host,
      REDIS_PORT: cache.port,
      REDIS_TLS: String(cache.tls),
      ...(cache.authSecret ? { REDIS_AUTH_SECRET_ARN: cache.authSecret.secretArn } : {}),
    };
    const token = { TOKEN_SECRET_ARN: this.tokenSecret.secretArn };
    const orderLimits = {
      ORDER_RESERVATION_TTL_SECONDS: String(props.orders.reservationTtlSeconds),
      ORDER_MAX_OPEN_PER_USER: String(props.orders.maxOpenOrdersPerUser),
    };
    // Runtime contract, table "Environment variables", column "used by".
    const environment: Record<ApiService, Record<string, string>> = {
      auth: { ...base('auth'), ...db, ...token },
      catalog: {
        ...base('catalog'),
        ...db,
        ...readers,
        ...redis,
        ...(props.cacheTtlSeconds ? { CACHE_TTL_SECONDS: String(props.cacheTtlSeconds) } : {}),
      },
      // Orders keeps read-your-writes positions in Redis.
      orders: { ...base('orders'), ...db, ...readers, ...redis, ...token, ...orderLimits },
      // Payments marks a just-paid order in Redis so orders reads it from the primary.
      payments: {
        ...base('payments'),
        ...db,
        ...redis,
        ...token,
        IDEMPOTENCY_TABLE: props.idempotencyTable.tableName,
        EMAIL_QUEUE_URL: emailQueue.queueUrl,
      },
    };

    const containers = props.containers ?? DEFAULT_CONTAINERS;
    const access = containers.loadBalancerAccess;
    if (SERVICES.some((s) => props.compute[s].kind === 'fargate')) {
      this.platform = new ContainerPlatform(this, 'ContainerPlatform', {
        vpc: props.vpc,
        vpcSubnets: props.appSubnets,
        vpcLink: access.kind === 'vpcLink',
        deletionProtection: props.deletionProtection,
      });
    }
    const platform = this.platform;
    const loadBalancerBackend = (p: ContainerPlatform) =>
      access.kind === 'emulator'
        ? ApiBackend.loadBalancerUrl(access.baseUrl, p.loadBalancer.loadBalancerName)
        : ApiBackend.privateLoadBalancer(p.vpcLink!, p.loadBalancer);

    const backends = {} as Record<ApiService, ApiBackend>;
    const runtimes = {} as Record<ApiService, ServiceRuntime>;
    const functions: Partial<Record<ApiService, BuiltFunction>> = {};
    for (const service of SERVICES) {
      const compute = props.compute[service];
      const id = service[0].toUpperCase() + service.slice(1);
      if (compute.kind === 'fargate' && platform) {
        runtimes[service] = new ContainerService(this, `${id}Service`, {
          cluster: platform.cluster,
          listener: platform.listener,
          pathPrefix: PREFIX[service],
          pathPatterns: loadBalancerPathPatterns(PREFIX[service], API_STAGE_NAME),
          priority: PRIORITY[service],
          entry: path.join(codeRoot, service, 'server.ts'),
          environment: { ...environment[service], STAGE_PATH_PREFIX: `/${API_STAGE_NAME}`, ...containers.emulatorTaskEnvironment },
          minTasks: compute.minTasks,
          maxTasks: compute.maxTasks,
          cpu: compute.cpu,
          memoryLimitMiB: compute.memoryLimitMiB,
          logRetention: props.logRetention,
          logRemovalPolicy: props.removalPolicy,
          vpcSubnets: props.appSubnets,
          architecture: containers.architecture,
          baseImage: containers.baseImage,
        });
        backends[service] = loadBalancerBackend(platform);
      } else {
        const fn = props.buildFunction(this, `${id}Function`, {
          service,
          entry: path.join(codeRoot, service, 'handler.ts'),
          environment: environment[service],
        });
        functions[service] = fn;
        runtimes[service] = fn.function;
        backends[service] = ApiBackend.lambda(fn.invokable);
      }
    }
    this.runtimes = runtimes;

    // Its own service name, so its faults are not the auth service's; outside the VPC, as it only
    // reads the signing key from Secrets Manager.
    this.authorizerFaults = faultsMetric('authorizer');
    const authorizer = props.buildFunction(this, 'AuthorizerFunction', {
      service: 'authorizer',
      entry: path.join(codeRoot, 'auth', 'authorizer.ts'),
      environment: { ...base('authorizer'), ...token },
      inVpc: false,
      faultMetric: this.authorizerFaults,
    });
    this.authorizer = authorizer.function;
    skipCheckov(authorizer.function, {
      id: 'CKV_AWS_117',
      comment:
        'The authorizer only reads the signing key from Secrets Manager (IAM-scoped, TLS); outside the VPC it starts faster and needs no NAT',
    });
    const relay = props.buildFunction(this, 'OutboxRelayFunction', {
      service: 'payments',
      entry: path.join(codeRoot, 'payments', 'relay.ts'),
      environment: { ...base('payments'), ...db, EMAIL_QUEUE_URL: emailQueue.queueUrl },
      timeout: Duration.seconds(50),
    });
    this.relay = relay.function;
    const relaySchedule = new events.Rule(this, 'OutboxRelaySchedule', {
      description: 'Re-sends outbox rows not yet on the email queue',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(relay.invokable, { retryAttempts: 0 })],
    });
    acknowledgeRetriedBySchedule(relaySchedule);
    // Every stage, the emulator's included: POST /orders sweeps too, so stock comes back even where schedules do not fire.
    const sweep = props.buildFunction(this, 'OrderSweepFunction', {
      service: 'orders',
      entry: path.join(codeRoot, 'orders', 'sweep.ts'),
      environment: { ...base('orders'), ...db, ...redis, ...orderLimits },
      timeout: Duration.seconds(50),
    });
    const sweepSchedule = new events.Rule(this, 'OrderSweepSchedule', {
      description: 'Expires unpaid orders past their reservation and gives their stock back',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(sweep.invokable, { retryAttempts: 0 })],
    });
    acknowledgeRetriedBySchedule(sweepSchedule);

    this.orderSweep = sweep.invokable;

    // Grants: exactly the runtime contract, per consumer.
    const dbUsers: ServiceRuntime[] = [...SERVICES.map((s) => runtimes[s]), relay.function, sweep.function];
    for (const user of dbUsers) {
      database.secret.grantRead(user);
      // The default port, not `database.port`: the latter may be a deploy-time token.
      if (database.connections) user.connections.allowToDefaultPort(database.connections, 'PostgreSQL');
    }
    for (const user of [runtimes.catalog, runtimes.orders, runtimes.payments, sweep.function]) {
      cache.authSecret?.grantRead(user);
      if (cache.connections) user.connections.allowToDefaultPort(cache.connections, 'Redis');
    }
    for (const user of [runtimes.auth, runtimes.orders, runtimes.payments, authorizer.function]) this.tokenSecret.grantRead(user);
    props.idempotencyTable.grantReadWriteData(runtimes.payments);
    emailQueue.grantSendMessages(runtimes.payments);
    emailQueue.grantSendMessages(relay.function);

    this.api = new StorefrontApi(this, 'Api', {
      backends,
      authorizer: authorizer.invokable,
      throttle: props.throttle,
      writeThrottle: props.writeThrottle,
      accessLogRetention: props.logRetention,
      accessLogRemovalPolicy: props.removalPolicy,
      cloudWatchRole: props.cloudWatchRole,
    });

    // Every canary also rolls back on the API's answers: a new version that turns requests into 5xx
    // (whatever it logs or throws) is a fault, a 4xx (a bad token, a bad body) is not.
    const canaries = [...Object.values(functions), authorizer, relay, sweep].flatMap((f) => (f.deploymentGroup ? [f.deploymentGroup] : []));
    if (canaries.length > 0) {
      const api5xx = new cloudwatch.Alarm(this, 'CanaryApi5xx', {
        metric: this.api.restApi.metricServerError({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
        alarmDescription: `API 5xx answers during a deployment roll the canary back. Runbook: ${runbook('api-5xx-rate')}`,
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      for (const group of canaries) group.addAlarm(api5xx);
    }

    const viaCloudFront = props.publicApi === 'cloudfront';
    if (viaCloudFront && props.regionalWebAcl === false) {
      throw new Error("ServicesStack: publicApi 'cloudfront' needs the regional web ACL (waf.regionalAcl) to enforce the origin secret");
    }
    if (props.regionalWebAcl !== false) {
      // Behind CloudFront, the regional ACL proves the request came through CloudFront and runs the
      // managed rules; per-IP limits are the CloudFront ACL's, the only one that sees the client's
      // address (ADR 0021). Called directly, it limits per source IP itself.
      const webAcl = new RateLimitedWebAcl(this, 'RegionalWebAcl', {
        scope: 'REGIONAL',
        requestsPerIp: viaCloudFront ? undefined : props.waf.requestsPerIp,
        pathRateLimits: viaCloudFront ? undefined : [{ pathPrefix: LOGIN_PATH, requestsPerIp: props.waf.loginRequestsPerIp }],
        evaluationWindow: props.waf.evaluationWindowSeconds ? Duration.seconds(props.waf.evaluationWindowSeconds) : undefined,
        requiredHeader: viaCloudFront ? { name: this.originSecret.headerName, values: this.originSecret.acceptedValues } : undefined,
        logging: props.wafLogging,
      });
      this.webAcl = webAcl;
      // Only the stage: the internal ALB admits nothing but the VPC link, whose traffic this ACL has
      // already inspected at the stage; a second association would bill every request twice.
      webAcl.associate('ApiStageAssociation', this.api.stage.stageArn);
    } else {
      Validations.of(this.api.stage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'Stage config waf.regionalAcl is off (emulator): clients call API Gateway directly, no web ACL can be associated',
      });
    }

    new CfnOutput(this, 'ApiGatewayUrl', { value: this.api.url, description: 'API Gateway stage URL' });
    if (platform) {
      new CfnOutput(this, 'LoadBalancerName', {
        value: platform.loadBalancer.loadBalancerName,
        description: 'Internal ALB of the container services',
      });
    }
    if (!viaCloudFront) {
      const url = props.emulatorEndpoint ? this.api.emulatorUrl(props.emulatorEndpoint) : this.api.url;
      new CfnOutput(this, 'ApiUrl', { value: url, description: 'Public API base URL' });
    }
  }
}
