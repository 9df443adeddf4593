import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Redis } from 'ioredis';
import { createRedis, redisFromEnv } from '#shared/redis.js';
import { startRedisServer, until } from '../support/redis-server.js';

/**
 * Issue 8, item 5: an AUTH token rotation as ElastiCache runs it (docs/runbook.md#rotate-redis-auth),
 * on a Redis of this test's own (never the shared one): ROTATE (old and new both accepted, as
 * `ACL SETUSER default >new` does), the secret moved to the new token, then SET (only the new one)
 * and every connection dropped, as a node replacement or failover drops them.
 */
const OLD = `old-${randomUUID()}`;
const NEW = `new-${randomUUID()}`;
let server: ChildProcess;
let port: number;
let admin: Redis;
const clients: Redis[] = [];

beforeAll(async () => {
  ({ port, process: server } = await startRedisServer(OLD));
  admin = new Redis({ port, host: '127.0.0.1', password: OLD });
}, 20_000);

afterAll(async () => {
  clients.forEach((c) => c.disconnect());
  admin?.disconnect();
  server?.kill('SIGTERM');
});

test('a client built from the secret keeps working through ROTATE and SET, re-reading the token when refused', async () => {
  const secrets = new SecretsManagerClient({});
  const arn = (await secrets.send(new CreateSecretCommand({ Name: `storefront-test/redis-auth/${randomUUID()}`, SecretString: OLD }))).ARN!;
  const client = await redisFromEnv({ REDIS_HOST: '127.0.0.1', REDIS_PORT: port, REDIS_TLS: 'false', REDIS_AUTH_SECRET_ARN: arn });
  clients.push(client);
  expect(await client.ping()).toBe('PONG');

  // ROTATE: both tokens valid; the secret now holds the new one.
  await admin.call('ACL', 'SETUSER', 'default', `>${NEW}`);
  await secrets.send(new PutSecretValueCommand({ SecretId: arn, SecretString: NEW }));
  expect(await client.ping()).toBe('PONG');

  // SET: only the new token; every connection is dropped and comes back.
  await admin.call('ACL', 'SETUSER', 'default', 'resetpass', `>${NEW}`);
  await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
  // A client holding the old token for good (what the code did before) stays locked out...
  const stale = createRedis({ host: '127.0.0.1', port, tls: false, password: OLD });
  clients.push(stale);
  stale.on('error', () => undefined);
  await stale.connect().catch(() => undefined);
  expect(await stale.ping().catch((e: Error) => e.message)).not.toBe('PONG');
  // ...the one built from the secret reconnects with the new token.
  expect(await until(async () => (await client.ping()) === 'PONG', 10_000)).toBe(true);
  expect(client.options.password).toBe(NEW);
}, 30_000);
