import type { StageConfig } from '../schema.js';

/** A real AWS account, cheap: one NAT gateway, small instances, one read replica, all on Lambda. */
export const dev: StageConfig = {
  stage: 'dev',
  env: { account: '111111111111', region: 'eu-west-1' },
  network: { maxAzs: 2, natGateways: 1 },
  database: {
    kind: 'rds',
    instanceType: 't4g.micro',
    readReplicas: 1,
    multiAz: false,
    allocatedStorageGiB: 20,
    backupRetentionDays: 1,
    proxy: false,
  },
  cache: { kind: 'elasticache', nodeType: 'cache.t4g.micro', replicas: 0 },
  cacheTtlSeconds: 60,
  orders: { reservationTtlSeconds: 900, maxOpenOrdersPerUser: 5 },
  services: {
    auth: { kind: 'lambda' },
    catalog: { kind: 'lambda' },
    orders: { kind: 'lambda' },
    payments: { kind: 'lambda' },
  },
  waf: { requestsPerIp: 2000, loginRequestsPerIp: 100, evaluationWindowSeconds: 300, regionalAcl: true },
  api: { throttle: { rateLimit: 100, burstLimit: 200 }, writeThrottle: { rateLimit: 20, burstLimit: 40 }, cloudWatchRole: true },
  publicApi: 'cloudfront',
  email: { sender: 'orders@dev.storefront.example', sendsPerSecond: 1, workerConcurrency: 2 },
  canaryDeployments: false,
  crossStackReferences: 'weak',
  logRetentionDays: 14,
  removalPolicy: 'destroy',
  deletionProtection: false,
};
