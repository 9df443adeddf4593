import type { StageConfig } from '../schema.js';

/**
 * The local AWS emulator (MiniStack; LocalStack works too). It cannot run RDS, ElastiCache or
 * containers, so those hops use the PostgreSQL and Redis on 127.0.0.1 and every service runs on
 * Lambda. Everything else is the same app; see docs/local-emulator.md for what the emulator deploys.
 */
export const local: StageConfig = {
  stage: 'local',
  env: { account: '000000000000', region: 'us-east-1' },
  bundleAwsSdk: true,
  network: { maxAzs: 2, natGateways: 0, flowLogs: false, restrictDefaultSecurityGroup: false, interfaceEndpoints: false },
  database: { kind: 'external', host: '127.0.0.1', readerHosts: ['127.0.0.1'], port: 5432, username: 'postgres' },
  cache: { kind: 'external', host: '127.0.0.1', port: 6379 },
  cacheTtlSeconds: 60,
  // Short, so the e2e run and a developer see an unpaid order expire and its stock come back.
  orders: { reservationTtlSeconds: 60, maxOpenOrdersPerUser: 5 },
  services: {
    auth: { kind: 'lambda' },
    catalog: { kind: 'lambda' },
    orders: { kind: 'lambda' },
    payments: { kind: 'lambda' },
  },
  waf: { requestsPerIp: 2000, loginRequestsPerIp: 100, evaluationWindowSeconds: 60, regionalAcl: false },
  api: { throttle: { rateLimit: 100, burstLimit: 200 }, writeThrottle: { rateLimit: 50, burstLimit: 100 } },
  emulator: { endpoint: 'http://127.0.0.1:4566' },
  publicApi: 'apigateway',
  pageUpload: 'script',
  // A poison job reaches the DLQ in about a minute (2 deliveries, 30 s visibility), not 15, so the e2e run can wait for it.
  email: { sender: 'orders@storefront.local', sendsPerSecond: 10, workerConcurrency: 2, maxReceiveCount: 2, workerTimeoutSeconds: 5 },
  alarms: false,
  canaryDeployments: false,
  logRetentionDays: 1,
  removalPolicy: 'destroy',
  deletionProtection: false,
};
