import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { local } from '../lib/config/stages/local.js';

/**
 * The environment of a local run (serve, seed, migrate, bench): PostgreSQL and Redis on 127.0.0.1,
 * secrets, table and queue on MiniStack. The services read it exactly as they read it in AWS, so
 * nothing in `lambda/` knows it runs locally. Every step is idempotent.
 */
export const LOCAL_DB = process.env.DB_NAME ?? 'storefront';
const PREFIX = 'storefront-local';

const EMULATOR = {
  AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
};

async function secretArn(sm: SecretsManagerClient, name: string, value: string): Promise<string> {
  try {
    return (await sm.send(new DescribeSecretCommand({ SecretId: name }))).ARN!;
  } catch {
    return (await sm.send(new CreateSecretCommand({ Name: name, SecretString: value }))).ARN!;
  }
}

export async function ensureLocalDatabase(): Promise<void> {
  const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  await admin.connect().catch((err: Error) => {
    throw new Error(`PostgreSQL is not reachable on 127.0.0.1:5432 (${err.message}): run 'bash scripts/ensure-local-services.sh'`);
  });
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [LOCAL_DB]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(LOCAL_DB)}`);
  } finally {
    await admin.end();
  }
}

/** Starts MiniStack if needed, creates what the services need there, and sets `process.env`. */
export async function useLocalEnvironment(): Promise<void> {
  Object.assign(process.env, EMULATOR);
  execFileSync('bash', [path.join(__dirname, 'ministack.sh'), 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const sm = new SecretsManagerClient({});
  const table = `${PREFIX}-idempotency`;
  await new DynamoDBClient({})
    .send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    )
    .catch((err: unknown) => {
      if (!(err instanceof ResourceInUseException)) throw err;
    });
  const queue = await new SQSClient({}).send(new CreateQueueCommand({ QueueName: `${PREFIX}-email` }));
  const defaults: Record<string, string> = {
    DB_WRITER_HOST: '127.0.0.1',
    DB_PORT: '5432',
    DB_NAME: LOCAL_DB,
    DB_SSL: 'disable',
    // Local PostgreSQL trusts 127.0.0.1; the password is only there to keep the secret's shape.
    DB_SECRET_ARN: await secretArn(sm, `${PREFIX}/db`, JSON.stringify({ username: 'postgres', password: 'unused-locally' })),
    TOKEN_SECRET_ARN: await secretArn(sm, `${PREFIX}/token`, `local-signing-key-${Date.now()}-${Math.random().toString(36).slice(2)}`),
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: '6379',
    REDIS_TLS: 'false',
    IDEMPOTENCY_TABLE: table,
    EMAIL_QUEUE_URL: queue.QueueUrl!,
    EMAIL_SENDER: 'orders@storefront.local',
    EMAIL_RATE_PER_SECOND: '10',
    EMAIL_WORKER_CONCURRENCY: '1',
    // The local stage's order limits, so `npm run serve` behaves as the deployed local shop does.
    ORDER_RESERVATION_TTL_SECONDS: String(local.orders.reservationTtlSeconds),
    ORDER_MAX_OPEN_PER_USER: String(local.orders.maxOpenOrdersPerUser),
    POWERTOOLS_METRICS_NAMESPACE: 'Storefront',
    // Metrics go to stdout as EMF; locally they would drown the request logs.
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  for (const [k, v] of Object.entries(defaults)) process.env[k] ??= v;
  await ensureLocalDatabase();
}
