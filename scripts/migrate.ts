import * as path from 'node:path';
import pg from 'pg';
import { migrate, readMigrations } from '../lambda/migrate/migrations.js';
import { LOCAL_DB, ensureLocalDatabase } from './local-env.js';

/** `npm run db:migrate`: the deploy-time runner, applied to the local database. */
async function main(): Promise<void> {
  await ensureLocalDatabase();
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: LOCAL_DB });
  await client.connect();
  try {
    const applied = await migrate(client, readMigrations(path.join(__dirname, '..', 'db', 'migrations')));
    console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'schema up to date');
  } finally {
    await client.end();
  }
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
