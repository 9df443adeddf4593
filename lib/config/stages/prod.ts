import type { StageConfig } from '../schema.js';

const fargate = { kind: 'fargate', minTasks: 2, maxTasks: 10, cpu: 512, memoryLimitMiB: 1024 } as const;

/** Multi-AZ, two read replicas, Fargate with autoscaling, deletion protection, canary deploys. */
export const prod: StageConfig = {
  stage: 'prod',
  env: { account: '222222222222', region: 'eu-west-1' },
  domain: { name: 'shop.example.com', hostedZoneId: 'Z0123456789EXAMPLE' },
  network: { maxAzs: 3, natGateways: 3 },
  database: {
    kind: 'rds',
    instanceType: 'r7g.large',
    readReplicas: 2,
    multiAz: true,
    allocatedStorageGiB: 100,
    backupRetentionDays: 14,
    proxy: true,
  },
  cache: { kind: 'elasticache', nodeType: 'cache.r7g.large', replicas: 2 },
  cacheTtlSeconds: 60,
  orders: { reservationTtlSeconds: 900, maxOpenOrdersPerUser: 5 },
  services: {
    // Auth is spiky (logins) and cheap per call: Lambda scales it to zero between peaks.
    auth: { kind: 'lambda' },
    catalog: fargate,
    orders: fargate,
    payments: fargate,
  },
  waf: { requestsPerIp: 2000, loginRequestsPerIp: 100, evaluationWindowSeconds: 300, regionalAcl: true, logging: true },
  api: { throttle: { rateLimit: 2000, burstLimit: 4000 }, writeThrottle: { rateLimit: 200, burstLimit: 400 }, cloudWatchRole: true },
  publicApi: 'cloudfront',
  email: { sender: 'orders@shop.example.com', sendsPerSecond: 14, workerConcurrency: 5 },
  alarmEmail: 'oncall@shop.example.com',
  // Card payments run through this stage: PCI DSS and Serverless findings fail synth, and CMKs encrypt logs, topics and secrets.
  compliance: { nagPacks: ['PCI.DSS.321', 'Serverless'], customerManagedKeys: true },
  canaryDeployments: true,
  crossStackReferences: 'weak',
  logRetentionDays: 90,
  removalPolicy: 'retain',
  deletionProtection: true,
};
