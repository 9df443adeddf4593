import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EMULATOR_ENV, ensureMiniStack } from '../support/aws';
import { createMigratedDatabase } from '../support/postgres';

/**
 * One throwaway database per run, the AWS emulator, and the secrets the services read. Everything
 * the services need reaches them the way it does in AWS: environment variables and Secrets Manager.
 */
export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}${process.pid}`;
  const database = `storefront_test_${run}`;
  Object.assign(process.env, EMULATOR_ENV);
  // Recorded for the teardown: `npm test` stops an emulator it started, and only that one.
  if (ensureMiniStack()) process.env.TEST_STARTED_MINISTACK = '1';
  await createMigratedDatabase(database);

  const secrets = new SecretsManagerClient({});
  const create = async (name: string, value: string) =>
    (await secrets.send(new CreateSecretCommand({ Name: `storefront-test/${run}/${name}`, SecretString: value }))).ARN!;
  const table = `storefront-test-${run}-idempotency`;
  await new DynamoDBClient({}).send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const queue = await new SQSClient({}).send(new CreateQueueCommand({ QueueName: `storefront-test-${run}-email` }));
  const sender = `orders-${run}@storefront.test`;
  await new SESv2Client({}).send(new CreateEmailIdentityCommand({ EmailIdentity: sender }));
  Object.assign(process.env, {
    TEST_RUN_ID: run,
    IDEMPOTENCY_TABLE: table,
    EMAIL_QUEUE_URL: queue.QueueUrl!,
    EMAIL_SENDER: sender,
    EMAIL_RATE_PER_SECOND: '10',
    DB_WRITER_HOST: '127.0.0.1',
    DB_READER_HOSTS: '127.0.0.1',
    DB_PORT: '5432',
    DB_NAME: database,
    DB_SSL: 'disable',
    // Local PostgreSQL trusts 127.0.0.1; the password only proves the secret is read.
    DB_SECRET_ARN: await create('db', JSON.stringify({ username: 'postgres', password: 'unused-locally' })),
    TOKEN_SECRET_ARN: await create('token', `test-signing-key-${run}-0123456789abcdef`),
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: '6379',
    REDIS_TLS: 'false',
    // The stage's 900 s; a cap high enough that the suites placing many orders per user are not about it (the drills are).
    ORDER_RESERVATION_TTL_SECONDS: '900',
    ORDER_MAX_OPEN_PER_USER: '1000',
    POWERTOOLS_SERVICE_NAME: 'test',
    POWERTOOLS_METRICS_NAMESPACE: 'StorefrontTest',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
}
