import { Aspects, CrossStackReferences, Duration, ReferenceStrength, RemovalPolicy, Stage, type StageProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { EncryptWithStackKeys } from './aspects/encrypt-with-stack-keys.js';
import { OmitSecurityGroupRules } from './aspects/omit-security-group-rules.js';
import type { StageConfig } from './config/index.js';
import { ServiceFunction } from './constructs/service-function.js';
import { CdnStack } from './stacks/cdn-stack.js';
import { DataStack } from './stacks/data-stack.js';
import { EdgeStack } from './stacks/edge-stack.js';
import { NetworkStack } from './stacks/network-stack.js';
import { ObservabilityStack } from './stacks/observability-stack.js';
import { ServicesStack } from './stacks/services-stack.js';

export interface StorefrontStageProps extends StageProps {
  readonly config: StageConfig;
}

const REFERENCE_STRENGTHS = {
  strong: ReferenceStrength.STRONG,
  weak: ReferenceStrength.WEAK,
  both: ReferenceStrength.BOTH,
} as const;

const REMOVAL_POLICIES = {
  destroy: RemovalPolicy.DESTROY,
  retain: RemovalPolicy.RETAIN,
  snapshot: RemovalPolicy.SNAPSHOT,
} as const;

/**
 * One deployment of the shop: the same six stacks in every stage, split by lifecycle, handing each
 * other typed objects. Only the config differs between stages.
 */
export class StorefrontStage extends Stage {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly services: ServicesStack;
  readonly edge: EdgeStack;
  readonly cdn: CdnStack;
  readonly observability: ObservabilityStack;

  constructor(scope: Construct, id: string, props: StorefrontStageProps) {
    super(scope, id, props);
    const config = props.config;
    const env = config.env;
    // Read from the consuming stack's context, so it must be set before any stack exists (ADR 0001).
    if (config.crossStackReferences) CrossStackReferences.of(this).consume(REFERENCE_STRENGTHS[config.crossStackReferences]);
    // Every stack, not only Data: deleting Services or Cdn by mistake takes the shop offline just as surely.
    const terminationProtection = config.deletionProtection;
    const removalPolicy = REMOVAL_POLICIES[config.removalPolicy];
    // Logs and secrets hold nothing worth a snapshot; RETAIN is their "keep" policy.
    const softRemovalPolicy = removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    const wafLogging = config.waf.logging ? { retention: logRetention, removalPolicy: softRemovalPolicy } : undefined;

    this.network = new NetworkStack(this, 'Network', {
      env,
      terminationProtection,
      description: 'Storefront: VPC, subnets, flow logs',
      maxAzs: config.network.maxAzs,
      natGateways: config.network.natGateways,
      flowLogs: config.network.flowLogs,
      restrictDefaultSecurityGroup: config.network.restrictDefaultSecurityGroup,
      interfaceEndpoints: config.network.interfaceEndpoints,
      logRetention,
      removalPolicy: softRemovalPolicy,
    });
    const { vpc, appSubnets } = this.network;

    this.data = new DataStack(this, 'Data', {
      env,
      description: 'Storefront: PostgreSQL, Redis, idempotency table, schema migrations',
      terminationProtection,
      vpc,
      appSubnets,
      dataSubnets: this.network.dataSubnets,
      database: config.database,
      cache: config.cache,
      pointInTimeRecovery: config.deletionProtection,
      deletionProtection: config.deletionProtection,
      removalPolicy,
      logRetention,
    });

    this.services = new ServicesStack(this, 'Services', {
      env,
      terminationProtection,
      description: 'Storefront: API Gateway, the services on Lambda or Fargate, the email pipeline',
      vpc,
      appSubnets,
      database: this.data.database,
      cache: this.data.cache,
      idempotencyTable: this.data.idempotencyTable,
      email: {
        sender: config.email.sender,
        sendsPerSecond: config.email.sendsPerSecond,
        maxConcurrency: config.email.workerConcurrency,
        bundleAwsSdk: config.bundleAwsSdk,
        maxReceiveCount: config.email.maxReceiveCount,
        workerTimeout: config.email.workerTimeoutSeconds === undefined ? undefined : Duration.seconds(config.email.workerTimeoutSeconds),
        domain: config.domain,
      },
      buildFunction: (fnScope, fnId, { inVpc, ...spec }) => {
        const fn = new ServiceFunction(fnScope, fnId, {
          ...spec,
          vpc: inVpc === false ? undefined : vpc,
          vpcSubnets: inVpc === false ? undefined : appSubnets,
          logRetention,
          removalPolicy: softRemovalPolicy,
          canary: config.canaryDeployments,
          bundleAwsSdk: config.bundleAwsSdk,
        });
        return fn;
      },
      compute: config.services,
      containers: config.containers,
      waf: config.waf,
      regionalWebAcl: config.waf.regionalAcl,
      wafLogging,
      throttle: config.api.throttle,
      writeThrottle: config.api.writeThrottle,
      cloudWatchRole: config.api.cloudWatchRole,
      deletionProtection: config.deletionProtection,
      originSecretVersions: config.originSecret,
      publicApi: config.publicApi,
      cacheTtlSeconds: config.cacheTtlSeconds,
      emulatorEndpoint: config.emulator?.endpoint,
      orders: config.orders,
      logRetention,
      removalPolicy: softRemovalPolicy,
    });

    // CloudFront's web ACL and certificate must be in us-east-1 (ADR 0013).
    this.edge = new EdgeStack(this, 'Edge', {
      env: { account: env.account, region: 'us-east-1' },
      terminationProtection,
      description: 'Storefront: CloudFront web ACL and certificate (us-east-1)',
      crossRegionReferences: env.region !== 'us-east-1',
      waf: config.waf,
      domain: config.domain,
      wafLogging,
    });

    this.cdn = new CdnStack(this, 'Cdn', {
      env,
      terminationProtection,
      description: 'Storefront: CloudFront, the storefront page in S3, DNS',
      crossRegionReferences: env.region !== 'us-east-1',
      api: this.services.api.restApi,
      apiGatewayUrl: this.services.api.url,
      originHeader: { name: this.services.originSecret.headerName, value: this.services.originSecret.headerValue },
      webAclArn: this.edge.webAcl.webAclArn,
      domain: config.domain && this.edge.certificate ? { ...config.domain, certificate: this.edge.certificate } : undefined,
      publicApi: config.publicApi,
      deployPage: (config.pageUpload ?? 'bucketDeployment') === 'bucketDeployment',
      removalPolicy: softRemovalPolicy,
    });

    this.observability = new ObservabilityStack(this, 'Observability', {
      env,
      terminationProtection,
      description: 'Storefront: dashboard along the request path, alarms to SNS',
      prefix: `Storefront-${config.stage}`,
      services: this.services,
      data: this.data,
      distribution: this.cdn.cdn.distribution,
      edgeWebAcl: this.edge.webAcl,
      alarmEmail: config.alarmEmail,
      alarms: config.alarms,
    });

    if (config.network.securityGroupRules === false) Aspects.of(this).add(new OmitSecurityGroupRules());
    if (config.compliance?.customerManagedKeys) Aspects.of(this).add(new EncryptWithStackKeys({ removalPolicy: softRemovalPolicy }));
  }
}
