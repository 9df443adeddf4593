import * as path from 'node:path';
import * as z from 'zod/mini';
import { databaseFromEnv } from '#shared/db.js';
import { dbEnv, loadEnv } from '#shared/env.js';
import { logger } from '#shared/observability.js';
import { migrate, readMigrations } from './migrations.js';

const env = loadEnv({ ...dbEnv, MIGRATIONS_DIR: z._default(z.string(), 'migrations') });

interface ProviderEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
}

/**
 * CloudFormation custom resource (CDK Provider framework `onEvent`): applies the pending SQL
 * migrations on Create and Update; Delete keeps the schema (the data outlives the stack).
 */
export async function handler(event: ProviderEvent) {
  const physicalResourceId = event.PhysicalResourceId ?? 'schema-migrations';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalResourceId };
  const db = await databaseFromEnv(env);
  const client = await db.writer.connect();
  try {
    const applied = await migrate(client, readMigrations(path.resolve(__dirname, env.MIGRATIONS_DIR)));
    logger.info('migrations applied', { applied });
    return { PhysicalResourceId: physicalResourceId, Data: { Applied: applied.join(',') } };
  } finally {
    client.release();
    await db.close();
  }
}
