import { z } from 'zod';

/**
 * The shape of a stage. Every value that differs between stages is a field here, and nothing else
 * in `lib/` reads context or the environment. Validation runs before any construct is created, so a
 * bad value fails synth with one message naming the field.
 */

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const awsAccount = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');
const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1');
/** AWS WAF rate-based rules accept limits from 10 to 2,000,000,000 requests per window. */
const wafLimit = z.number().int().min(10).max(2_000_000_000);
const throttle = z.strictObject({ rateLimit: z.number().positive(), burstLimit: positiveInt });

/**
 * cdk-nag packs a stage runs on every synth besides AwsSolutions (always on); their findings fail
 * synth like AwsSolutions' unless acknowledged on their resource (docs/static-gates.md).
 */
export const NAG_PACKS = ['PCI.DSS.321', 'Serverless'] as const;
export type NagPackName = (typeof NAG_PACKS)[number];

const lambdaCompute = z.strictObject({ kind: z.literal('lambda') });
const fargateCompute = z
  .strictObject({
    kind: z.literal('fargate'),
    minTasks: positiveInt,
    maxTasks: positiveInt,
    cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]).optional(),
    memoryLimitMiB: positiveInt.optional(),
  })
  .refine((c) => c.maxTasks >= c.minTasks, { message: 'maxTasks must be >= minTasks', path: ['maxTasks'] });
const compute = z.discriminatedUnion('kind', [lambdaCompute, fargateCompute]);

/** How the Fargate services' image is built and how the REST API reaches their load balancer. */
const containers = z.strictObject({
  /** CPU of the tasks, and so of the image built for them (an amd64 image on ARM64 tasks is `exec format error`). Default: ContainerService's (arm64). */
  architecture: z.enum(['arm64', 'x86_64']).optional(),
  /** Base image of the service image (the Dockerfile's `BASE_IMAGE` build argument): a Node.js 24 image. Default: ContainerService's (node:24-alpine). */
  baseImage: z.string().min(1).optional(),
  /**
   * `vpcLink`: a private integration through a VPC link V2 (AWS). `emulator`: plain HTTP to the load
   * balancer's data plane at `<baseUrl>/<load balancer name>` (MiniStack serves no VPC link).
   */
  loadBalancerAccess: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('vpcLink') }),
    z.strictObject({ kind: z.literal('emulator'), baseUrl: z.url() }),
  ]),
  /**
   * Extra environment of every task, only with an emulator (refused otherwise): MiniStack 1.5.33
   * hands tasks a credentials URL at host.docker.internal, which the AWS SDK refuses (it accepts
   * HTTPS, loopback or 169.254.170.2 only), so the local stage gives them its placeholder keys.
   */
  emulatorTaskEnvironment: z.record(z.string(), z.string()).optional(),
});

const rdsDatabase = z.strictObject({
  kind: z.literal('rds'),
  /** e.g. `t4g.micro`: instance class and size as in `ec2.InstanceType`. */
  instanceType: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/, 'an instance type such as t4g.micro'),
  readReplicas: nonNegativeInt.max(5),
  multiAz: z.boolean(),
  allocatedStorageGiB: z.number().int().min(20).max(65536),
  backupRetentionDays: z.number().int().min(1).max(35),
  /** RDS Proxy in front of the primary, pooling the Lambda functions' connections. */
  proxy: z.boolean(),
});
const externalDatabase = z.strictObject({
  kind: z.literal('external'),
  host: z.string().min(1),
  readerHosts: z.array(z.string().min(1)),
  port: z.number().int().min(1).max(65535),
  username: z.string().min(1),
});
const elastiCache = z.strictObject({
  kind: z.literal('elasticache'),
  nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'a node type such as cache.t4g.micro'),
  replicas: nonNegativeInt.max(5),
});
const externalCache = z.strictObject({
  kind: z.literal('external'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});

export const stageConfigSchema = z
  .strictObject({
    stage: z.string().regex(/^[a-z][a-z0-9-]*$/),
    env: z.strictObject({ account: awsAccount, region: awsRegion }),
    /** Custom domain; without one the CloudFront domain serves the shop. */
    domain: z
      .strictObject({
        name: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'a DNS name'),
        hostedZoneId: z.string().regex(/^Z[A-Z0-9]+$/, 'a Route 53 hosted zone id'),
      })
      .optional(),
    /** Bundle the AWS SDK into Lambda bundles (MiniStack's local executor has no @aws-sdk/lib-dynamodb). Default false. */
    bundleAwsSdk: z.boolean().optional(),
    network: z.strictObject({
      maxAzs: z.number().int().min(1).max(3),
      natGateways: nonNegativeInt.max(3),
      /** VPC flow logs; off only where the platform has none (MiniStack 1.5.33 cannot create AWS::EC2::FlowLog). Default true. */
      flowLogs: z.boolean().optional(),
      /** Strip the default security group's rules (a Node custom resource needing @aws-sdk/client-ec2, which MiniStack's Lambda executor lacks). Default true. */
      restrictDefaultSecurityGroup: z.boolean().optional(),
      /** Interface endpoints for Secrets Manager, SQS and SES when natGateways is 0 (MiniStack's VPC has no CidrBlock attribute their security group needs). Default true. */
      interfaceEndpoints: z.boolean().optional(),
      /**
       * Security-group rules between two groups, which CDK writes as standalone
       * AWS::EC2::SecurityGroupIngress/Egress resources. `false` omits them (MiniStack 1.5.33 has no
       * handler for those types and enforces no security groups; ADR 0016). Default true.
       */
      securityGroupRules: z.boolean().optional(),
    }),
    database: z.discriminatedUnion('kind', [rdsDatabase, externalDatabase]),
    cache: z.discriminatedUnion('kind', [elastiCache, externalCache]),
    cacheTtlSeconds: z.number().int().min(1).max(86_400),
    orders: z.strictObject({
      /** How long an unpaid order holds its stock before it is EXPIRED and the stock comes back. */
      reservationTtlSeconds: z.number().int().min(30).max(86_400),
      /** Unpaid, unexpired orders one user may hold at once (the next is 409 TOO_MANY_OPEN_ORDERS). */
      maxOpenOrdersPerUser: z.number().int().min(1).max(1000),
    }),
    /**
     * Compute of each service, one line per service, keyed by its folder (`lambda/<service>/`). The
     * services stack refuses a stage that misses a declared service or names an undeclared one.
     */
    services: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a service folder name'), compute),
    /** @default - ARM64 tasks from `node:24-alpine` (public ECR), reached through a VPC link */
    containers: containers.optional(),
    waf: z.strictObject({
      requestsPerIp: wafLimit,
      loginRequestsPerIp: wafLimit,
      evaluationWindowSeconds: z.union([z.literal(60), z.literal(120), z.literal(300), z.literal(600)]),
      /** Attach the REGIONAL web ACL to the API stage (the emulator cannot associate web ACLs). */
      regionalAcl: z.boolean(),
      /** Log every request the web ACLs see to CloudWatch Logs (`aws-waf-logs-*`), secrets redacted. Default false. */
      logging: z.boolean().optional(),
    }),
    api: z.strictObject({
      throttle,
      writeThrottle: throttle,
      /**
       * Create the account's API Gateway CloudWatch Logs role (`AWS::ApiGateway::Account`, one per
       * account and region). Access and execution logs fail without it in a fresh account; off where
       * the platform has no account settings to write (the emulator). See docs/aws-accounts.md.
       * Default false.
       */
      cloudWatchRole: z.boolean().optional(),
    }),
    /**
     * The AWS emulator this stage deploys to (the local stage): the `ApiUrl` output is the URL the
     * emulator serves the API at, reachable from this machine as written. bin/ takes
     * `AWS_ENDPOINT_URL` over this one (a second emulator beside a shared one). Default: none (AWS).
     */
    emulator: z.strictObject({ endpoint: z.url() }).optional(),
    /** Where clients reach the API: through CloudFront `/api`, or straight at API Gateway. */
    publicApi: z.enum(['cloudfront', 'apigateway']),
    /**
     * Who puts the storefront page into the site bucket: CDK's BucketDeployment (a Lambda running the
     * AWS CLI from a layer at /opt), or `scripts/local.sh` after deploy (MiniStack 1.5.33 does not mount
     * layers at /opt). Default 'bucketDeployment'.
     */
    pageUpload: z.enum(['bucketDeployment', 'script']).optional(),
    email: z.strictObject({
      sender: z.email(),
      sendsPerSecond: z.number().positive().max(1000),
      workerConcurrency: z.number().int().min(2).max(1000),
      /** Deliveries of a job before it is dead-lettered. Default 5. */
      maxReceiveCount: z.number().int().min(1).max(1000).optional(),
      /** Worker timeout; the queue's visibility timeout is six times it. Default 30. */
      workerTimeoutSeconds: z.number().int().min(1).max(900).optional(),
    }),
    alarmEmail: z.email().optional(),
    /**
     * How a stack reads what another stack of the stage made (ADR 0001): `strong` (exports, or
     * SSM-backed custom resources across regions) pins producers until every consumer lets go;
     * `weak` (`Fn::GetStackOutput`) lets either side change alone; `both` is the one-deploy bridge.
     * Default: cdk.json's `@aws-cdk/core:defaultCrossStackReferences` (`strong`).
     */
    crossStackReferences: z.enum(['strong', 'weak', 'both']).optional(),
    /**
     * Versions of the origin secret the templates are pinned to (docs/runbook.md#rotate-origin-secret).
     * CloudFront sends `versionId`; the regional web ACL accepts it and `previousVersionId` during a
     * rotation. Unset: both follow AWSCURRENT as of their last update (first deploy only).
     */
    originSecret: z
      .strictObject({
        versionId: z.string().min(32).max(64),
        previousVersionId: z.string().min(32).max(64).optional(),
      })
      .optional(),
    /** CloudWatch alarms (all metric math, from cdk-monitoring-constructs; MiniStack 1.5.33 rejects metric math alarms). Default true. */
    alarms: z.boolean().optional(),
    /**
     * The stages that take payments: which cdk-nag packs run besides AwsSolutions, and whether every
     * log group, SNS topic and secret is encrypted under a customer-managed KMS key of its stack
     * (`EncryptWithStackKeys`). Default: AwsSolutions only, AWS-owned and AWS-managed keys.
     */
    compliance: z
      .strictObject({
        nagPacks: z.array(z.enum(NAG_PACKS)),
        customerManagedKeys: z.boolean(),
      })
      .optional(),
    /** CodeDeploy canary with alarm rollback for the service functions. */
    canaryDeployments: z.boolean(),
    logRetentionDays: z.union([z.literal(1), z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(365)]),
    /** `destroy` for throwaway stages; `retain` keeps data when a stack is deleted. */
    removalPolicy: z.enum(['destroy', 'retain', 'snapshot']),
    deletionProtection: z.boolean(),
  })
  .superRefine((c, ctx) => {
    if (c.waf.loginRequestsPerIp > c.waf.requestsPerIp) {
      ctx.addIssue({
        code: 'custom',
        path: ['waf', 'loginRequestsPerIp'],
        message: 'must be <= waf.requestsPerIp (the login rule is the stricter one)',
      });
    }
    if (c.database.kind === 'rds' && c.database.readReplicas > 0 && c.database.backupRetentionDays < 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'backupRetentionDays'],
        message: 'read replicas need automated backups (>= 1 day)',
      });
    }
    const usesFargate = Object.values(c.services).some((s) => s.kind === 'fargate');
    // The emulator runs tasks from the local Docker cache and its own endpoint: no NAT there.
    if (usesFargate && c.network.natGateways === 0 && c.containers?.loadBalancerAccess.kind !== 'emulator') {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'natGateways'],
        message: 'Fargate services pull images and reach AWS APIs: natGateways must be >= 1',
      });
    }
    if (c.containers?.emulatorTaskEnvironment && c.containers.loadBalancerAccess.kind !== 'emulator') {
      ctx.addIssue({
        code: 'custom',
        path: ['containers', 'emulatorTaskEnvironment'],
        message: 'only for an emulator (loadBalancerAccess.kind emulator): on AWS the task role gives the credentials',
      });
    }
    if (c.domain && !c.email.sender.endsWith(`@${c.domain.name}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['email', 'sender'],
        message: `with a domain, the sender must be an address at ${c.domain.name} (its SES domain identity signs the mail)`,
      });
    }
    if (c.deletionProtection && c.removalPolicy === 'destroy') {
      ctx.addIssue({ code: 'custom', path: ['removalPolicy'], message: "deletionProtection needs removalPolicy 'retain' or 'snapshot'" });
    }
  });

export type StageConfig = z.infer<typeof stageConfigSchema>;
export type ComputeConfig = z.infer<typeof compute>;
export type DatabaseConfig = StageConfig['database'];
export type CacheConfig = StageConfig['cache'];
export type ContainersConfig = z.infer<typeof containers>;

/** What a stage without a `containers` block gets: the AWS shape (image defaults are ContainerService's). */
export const DEFAULT_CONTAINERS: ContainersConfig = { loadBalancerAccess: { kind: 'vpcLink' } };
