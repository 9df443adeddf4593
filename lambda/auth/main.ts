import { databaseFromEnv } from '#shared/db.js';
import { dbEnv, loadEnv, tokenEnv } from '#shared/env.js';
import { tokenIssuerFromEnv } from '#shared/tokens.js';
import { authApp } from './app.js';
import { pgUsers } from './users.js';

/** Wires the auth app to PostgreSQL and Secrets Manager, once per container. */
export async function buildAuthApp() {
  const env = loadEnv({ ...dbEnv, ...tokenEnv });
  const db = await databaseFromEnv(env);
  return authApp({ users: pgUsers(db), tokens: tokenIssuerFromEnv(env), ping: () => db.ping() });
}
