import * as path from 'node:path';
import { CfnOutput, Duration, type RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ApiBackend, loadBalancerPathPatterns } from '../constructs/api-backend.js';
import { ContainerPlatform } from '../constructs/container-platform.js';
import { ContainerService } from '../constructs/container-service.js';
import { OriginSecret, type OriginSecretVersions } from '../constructs/origin-secret.js';
import type { RateLimitedWebAcl, WebAclLogging } from '../constructs/rate-limited-web-acl.js';
import { type ApiService, ROUTES, type Route } from '../../contract/routes.js';
import { ApiStageWebAcl } from '../constructs/api-stage-web-acl.js';
import { rollBackOnApi5xx } from '../constructs/canary-rollback.js';
import {
  addDeclaredFunction,
  type BuiltFunction,
  type DeclaredService,
  discoverServices,
  type FunctionSpec,
  loadBalancerRoutes,
  matchServices,
  ServiceWiring,
  type ServiceRuntime,
} from '../constructs/service-wiring.js';
import { TokenSigningKey } from '../constructs/token-signing-key.js';
import { API_STAGE_NAME, StorefrontApi, type Throttle } from '../constructs/storefront-api.js';
import type { CacheAccess, DatabaseAccess } from '../constructs/database-access.js';
import { EmailPipeline } from '../constructs/email-pipeline.js';
import { type ComputeConfig, type ContainersConfig, DEFAULT_CONTAINERS } from '../config/index.js';
import type { PublicApi } from './cdn-stack.js';
import { LOGIN_PATH, type ShopDomain, type WafLimits } from './edge-stack.js';

/** Where the services' code lives (`lambda/<service>/handler.ts`, `server.ts`, ...). */
export const LAMBDA_ROOT = path.join(__dirname, '..', '..', 'lambda');

/** How one service runs in a stage (`lambda`, or `fargate` with its task counts and size). */
export type ServiceCompute = ComputeConfig;

export type { BuiltFunction, FunctionSpec, ServiceRuntime } from '../constructs/service-wiring.js';

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
  /** Compute of each service in this stage, by name (the stage config's `services`). */
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
   * Folder of the services' code: one folder per service (`<service>/service.ts` and its entries),
   * and `email-worker/handler.ts`.
   * @default the repository's `lambda/`
   */
  readonly codeRoot?: string;
  /**
   * The services to deploy, with the folders their entries are in.
   * @default - those declared under `codeRoot` (discoverServices)
   */
  readonly services?: readonly DeclaredService[];
  /**
   * The API's routes; each names the service it goes to.
   * @default ROUTES, the contract (contract/routes.ts)
   */
  readonly routes?: readonly Route[];
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

/**
 * The compute of the request path: every service declared under `lambda/` (`<service>/service.ts`),
 * on Lambda or Fargate as the stage config says, with its other functions (the token authorizer,
 * scheduled jobs); the REST API in front of them with its regional web ACL; the ALB, cluster and VPC
 * link when a service runs on Fargate; the email pipeline. Each service gets exactly the environment,
 * grants and security-group rules its declaration asks for (ServiceWiring), and opens its own way
 * into the database and cache, so the data stack never depends on this one.
 */
export class ServicesStack extends Stack {
  readonly api: StorefrontApi;
  readonly originSecret: OriginSecret;
  readonly tokenSecret: secretsmanager.ISecret;
  /** Each service's function or container service, by name, in route-table order. */
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
  /** The services' other functions themselves (see `authorizer`), by declared id (`OutboxRelay`, ...). */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The regional web ACL on the API stage, unless the stage turns it off. */
  readonly webAcl?: RateLimitedWebAcl;

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    const codeRoot = props.codeRoot ?? LAMBDA_ROOT;
    const routes = props.routes ?? ROUTES;
    const services = matchServices(props.services ?? discoverServices(codeRoot), routes, props.compute);
    const viaCloudFront = props.publicApi === 'cloudfront';
    if (viaCloudFront && props.regionalWebAcl === false) {
      throw new Error("ServicesStack: publicApi 'cloudfront' needs the regional web ACL (waf.regionalAcl) to enforce the origin secret");
    }

    this.tokenSecret = new TokenSigningKey(this, 'TokenSigningKey', { removalPolicy: props.removalPolicy });
    this.originSecret = new OriginSecret(this, 'OriginSecret', {
      removalPolicy: props.removalPolicy,
      versions: props.originSecretVersions,
    });
    this.email = new EmailPipeline(this, 'Email', {
      ...props.email,
      domain: props.email.domain && {
        zone: route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
          hostedZoneId: props.email.domain.hostedZoneId,
          zoneName: props.email.domain.name,
        }),
      },
      cache: props.cache,
      idempotencyTable: props.idempotencyTable,
      workerEntry: path.join(codeRoot, 'email-worker', 'handler.ts'),
      vpc: props.vpc,
      vpcSubnets: props.appSubnets,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const wiring = new ServiceWiring({
      database: props.database,
      cache: props.cache,
      secrets: { tokenSigningKey: this.tokenSecret },
      idempotencyTable: props.idempotencyTable,
      emailQueue: this.email.queue,
      settings: { cacheTtlSeconds: props.cacheTtlSeconds, orders: props.orders },
    });

    const containers = props.containers ?? DEFAULT_CONTAINERS;
    const access = containers.loadBalancerAccess;
    if (services.some((s) => props.compute[s.declaration.name].kind === 'fargate')) {
      this.platform = new ContainerPlatform(this, 'ContainerPlatform', {
        vpc: props.vpc,
        vpcSubnets: props.appSubnets,
        vpcLink: access.kind === 'vpcLink',
        deletionProtection: props.deletionProtection,
      });
    }
    const albRoutes = loadBalancerRoutes(routes);

    const backends: Record<ApiService, ApiBackend> = {};
    const runtimes: Record<ApiService, ServiceRuntime> = {};
    const functions: Record<string, lambda.IFunction> = {};
    const built: BuiltFunction[] = [];
    let authorizer: BuiltFunction | undefined;
    for (const { declaration: service, dir } of services) {
      const compute = props.compute[service.name];
      const id = service.name[0].toUpperCase() + service.name.slice(1);
      const environment = wiring.environment(service.name, service);
      if (compute.kind === 'fargate' && this.platform) {
        const { pathPrefix, priority } = albRoutes[service.name];
        runtimes[service.name] = new ContainerService(this, `${id}Service`, {
          cluster: this.platform.cluster,
          listener: this.platform.listener,
          pathPrefix,
          pathPatterns: loadBalancerPathPatterns(pathPrefix, API_STAGE_NAME),
          priority,
          healthCheckPath: service.healthCheckPath,
          entry: path.join(dir, service.server ?? 'server.ts'),
          environment: { ...environment, STAGE_PATH_PREFIX: `/${API_STAGE_NAME}`, ...containers.emulatorTaskEnvironment },
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
        backends[service.name] = this.platform.apiBackend(access.kind === 'emulator' ? access.baseUrl : undefined);
      } else {
        const fn = props.buildFunction(this, `${id}Function`, {
          service: service.name,
          entry: path.join(dir, service.handler ?? 'handler.ts'),
          environment,
        });
        built.push(fn);
        runtimes[service.name] = fn.function;
        backends[service.name] = ApiBackend.lambda(fn.invokable);
      }
      wiring.connect(runtimes[service.name], service);

      for (const extra of service.functions ?? []) {
        const fn = addDeclaredFunction(this, {
          buildFunction: props.buildFunction,
          wiring,
          service: service.name,
          dir,
          declaration: extra,
        });
        if (fn.authorizerFaults) {
          if (authorizer) throw new Error(`ServicesStack: two token authorizers declared (${extra.id})`);
          authorizer = fn;
          this.authorizerFaults = fn.authorizerFaults;
        }
        built.push(fn);
        functions[extra.id] = fn.function;
      }
    }
    if (!authorizer) throw new Error("ServicesStack: no service declares a function with role 'tokenAuthorizer'");
    this.runtimes = runtimes;
    this.functions = functions;
    this.authorizer = authorizer.function;

    this.api = new StorefrontApi(this, 'Api', {
      routes,
      backends,
      authorizer: authorizer.invokable,
      throttle: props.throttle,
      writeThrottle: props.writeThrottle,
      accessLogRetention: props.logRetention,
      accessLogRemovalPolicy: props.removalPolicy,
      cloudWatchRole: props.cloudWatchRole,
    });
    rollBackOnApi5xx(
      this,
      this.api.restApi,
      built.flatMap((f) => (f.deploymentGroup ? [f.deploymentGroup] : [])),
    );

    if (props.regionalWebAcl !== false) {
      this.webAcl = new ApiStageWebAcl(this, 'RegionalWebAcl', {
        stageArn: this.api.stage.stageArn,
        originHeader: viaCloudFront ? { name: this.originSecret.headerName, values: this.originSecret.acceptedValues } : undefined,
        requestsPerIp: props.waf.requestsPerIp,
        pathRateLimits: [{ pathPrefix: LOGIN_PATH, requestsPerIp: props.waf.loginRequestsPerIp }],
        evaluationWindow: props.waf.evaluationWindowSeconds ? Duration.seconds(props.waf.evaluationWindowSeconds) : undefined,
        logging: props.wafLogging,
      });
    } else {
      Validations.of(this.api.stage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'Stage config waf.regionalAcl is off (emulator): clients call API Gateway directly, no web ACL can be associated',
      });
    }

    new CfnOutput(this, 'ApiGatewayUrl', { value: this.api.url, description: 'API Gateway stage URL' });
    if (this.platform) {
      new CfnOutput(this, 'LoadBalancerName', {
        value: this.platform.loadBalancer.loadBalancerName,
        description: 'Internal ALB of the container services',
      });
    }
    if (!viaCloudFront) {
      const url = props.emulatorEndpoint ? this.api.emulatorUrl(props.emulatorEndpoint) : this.api.url;
      new CfnOutput(this, 'ApiUrl', { value: url, description: 'Public API base URL' });
    }
  }
}
