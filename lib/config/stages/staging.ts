import type { StageConfig } from '../schema.js';

const fargate = { kind: 'fargate', minTasks: 1, maxTasks: 2, cpu: 256, memoryLimitMiB: 512 } as const;

/**
 * `prod`'s shape at the smallest sizes, in an account of its own: Fargate with autoscaling behind
 * the ALB and the VPC link, RDS Proxy, a read replica, a Multi-AZ primary and cache, canary
 * deploys, CloudFront with both web ACLs, a domain with its SES identity, deletion protection.
 * Everything only `prod` runs is deployed here first (README, "Stages").
 */
export const staging: StageConfig = {
  stage: 'staging',
  env: { account: '333333333333', region: 'eu-west-1' },
  // A delegated subdomain zone in the staging account (docs/aws-accounts.md).
  domain: { name: 'staging.shop.example.com', hostedZoneId: 'Z0STAGING0EXAMPLE' },
  // Two zones, one NAT: every path of prod, without paying for zone-independent egress.
  network: { maxAzs: 2, natGateways: 1 },
  database: {
    kind: 'rds',
    instanceType: 't4g.micro',
    readReplicas: 1,
    multiAz: true,
    allocatedStorageGiB: 20,
    backupRetentionDays: 1,
    proxy: true,
  },
  cache: { kind: 'elasticache', nodeType: 'cache.t4g.micro', replicas: 1 },
  cacheTtlSeconds: 60,
  orders: { reservationTtlSeconds: 900, maxOpenOrdersPerUser: 5 },
  services: {
    auth: { kind: 'lambda' },
    catalog: fargate,
    orders: fargate,
    payments: fargate,
  },
  waf: { requestsPerIp: 2000, loginRequestsPerIp: 100, evaluationWindowSeconds: 300, regionalAcl: true, logging: true },
  api: { throttle: { rateLimit: 100, burstLimit: 200 }, writeThrottle: { rateLimit: 20, burstLimit: 40 }, cloudWatchRole: true },
  publicApi: 'cloudfront',
  email: { sender: 'orders@staging.shop.example.com', sendsPerSecond: 1, workerConcurrency: 2 },
  // prod's compliance controls, proven here before prod gets them.
  compliance: { nagPacks: ['PCI.DSS.321', 'Serverless'], customerManagedKeys: true },
  canaryDeployments: true,
  crossStackReferences: 'weak',
  logRetentionDays: 14,
  // As prod: retained data and deletion protection, so a deploy proves they do not get in the way.
  removalPolicy: 'snapshot',
  deletionProtection: true,
};
