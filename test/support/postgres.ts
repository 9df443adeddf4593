import * as path from 'node:path';
import pg from 'pg';
import { migrate, readMigrations } from '../../lambda/migrate/migrations';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;
export const MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'db', 'migrations');

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...PG, database: 'postgres' });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable on 127.0.0.1:5432 (${(err as Error).message}): run 'bash scripts/ensure-local-services.sh'`,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a database with the app's schema; tests never share one with a developer's data. */
export async function createMigratedDatabase(name: string): Promise<void> {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const client = new pg.Client({ ...PG, database: name });
  await client.connect();
  try {
    await migrate(client, readMigrations(MIGRATIONS_DIR));
  } finally {
    await client.end();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
