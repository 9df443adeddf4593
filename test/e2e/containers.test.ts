import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import pg from 'pg';
import { LOCAL_REDIS_PORT } from '../../lib/config/stages/local-containers.js';
import { localReplica } from '../../scripts/local-replica.js';
import { apiUrl, call } from './deployed.js';

/**
 * Drills on prod's compute shape as `npm run local` deploys it with Docker (config
 * `local-containers`): several tasks per service behind the emulator's ALB, a task killed under
 * load, the replica and Redis stopped under reads. Each drill injects the fault on this machine only
 * (containers and servers `npm run local` started) and prints its figures. jest.e2e.config.js runs
 * this file only when the container shape is deployed.
 */
const ROOT = path.join(__dirname, '..', '..');
const SERVICES = ['catalog', 'orders', 'payments'] as const;
type ContainerService = (typeof SERVICES)[number];

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

/** Running task containers of a service (MiniStack labels them with the task definition family). */
function tasksOf(service: ContainerService): string[] {
  const family = `${service[0].toUpperCase()}${service.slice(1)}ServiceTask`;
  return docker('ps', '--filter', 'status=running', '--format', '{{.ID}} {{.Label "com.amazonaws.ecs.task-definition-family"}}')
    .split('\n')
    .filter((line) => line.includes(family))
    .map((line) => line.split(' ')[0]);
}

/** Everything a container logged since `since`, stdout and stderr. */
function allLogs(container: string, since: string): string {
  const r = spawnSync('docker', ['logs', '--since', since, container], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

/** Empties the shop's own Redis (started by `npm run local`), so the next read misses. */
const flushShopCache = () => execFileSync('redis-cli', ['-p', String(LOCAL_REDIS_PORT), 'flushall']);

let token = '';

beforeAll(async () => {
  const email = `drill-${randomUUID()}@example.com`;
  await call('POST', '/auth/register', { email, password: 'correct horse battery' });
  token = (await call('POST', '/auth/login', { email, password: 'correct horse battery' })).body.token;
  expect(token).toEqual(expect.any(String));
});

const auth = () => ({ authorization: `Bearer ${token}` });

describe('prod compute shape on the emulator', () => {
  test.each(SERVICES)('%s answers from two tasks: each request lands in exactly one task log', async (service) => {
    const tasks = tasksOf(service);
    expect(tasks.length).toBeGreaterThanOrEqual(2);
    const since = new Date(Date.now() - 1000).toISOString();
    const ids = Array.from({ length: 30 }, () => randomUUID());
    // A route of the service that reaches its tasks (not answered by the gateway itself).
    for (const id of ids) {
      const headers = { ...auth(), 'x-correlation-id': id };
      const r =
        service === 'catalog'
          ? await call('GET', '/products?limit=5', undefined, headers)
          : service === 'orders'
            ? await call('GET', `/orders/${randomUUID()}`, undefined, headers)
            : await call(
                'POST',
                '/payments',
                { orderId: randomUUID(), paymentMethod: { token: 'tok_visa' } },
                { ...headers, 'idempotency-key': id },
              );
      expect(r.status).toBeLessThan(500);
    }
    await new Promise((r) => setTimeout(r, 1500)); // the awslogs forwarder and docker logs are asynchronous
    const perTask = tasks.map((task) => {
      const log = allLogs(task, since);
      return ids.filter((id) => log.includes(id)).length;
    });
    console.log(`${service}: ${ids.length} requests, served per task: ${perTask.join(', ')}`);
    expect(perTask.reduce((a, b) => a + b, 0)).toBe(ids.length);
    expect(perTask.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  });

  test('a task killed under steady reads: >= 99 % succeed in the next 30 s, and a new task takes its place', async () => {
    const before = tasksOf('catalog');
    expect(before.length).toBeGreaterThanOrEqual(2);
    const victim = before[0];
    let sent = 0;
    let ok = 0;
    const failures: number[] = [];
    const killedAt = Date.now();
    docker('kill', victim);
    let replacedAfterMs: number | undefined;
    const until = killedAt + 30_000;
    // Four clients in a loop, as a steady stream; every request bounded in time.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < until) {
          sent++;
          try {
            const r = await fetchWithin(`/products?limit=${1 + (sent % 20)}`, 5000);
            if (r === 200) ok++;
            else failures.push(Date.now() - killedAt);
          } catch {
            failures.push(Date.now() - killedAt);
          }
          if (replacedAfterMs === undefined && tasksOf('catalog').filter((t) => !before.includes(t)).length > 0) {
            replacedAfterMs = Date.now() - killedAt;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
    const rate = ok / sent;
    console.log(
      `task kill: ${sent} requests in 30 s, ${ok} succeeded, ${sent - ok} failed ` +
        `(${failures.length ? `${Math.min(...failures)}-${Math.max(...failures)} ms after the kill` : 'none'}), ` +
        `success ${(rate * 100).toFixed(2)} %, new task after ${replacedAfterMs ?? 'n/a'} ms`,
    );
    expect(rate).toBeGreaterThanOrEqual(0.99);
    expect(replacedAfterMs).toBeDefined();
    expect(tasksOf('catalog').length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  test('the replica stopped: reads fall back to the primary with no 5xx; started again: reads return to it', async () => {
    // Each read after an emptied cache is a miss, so it reaches PostgreSQL.
    const reads = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        flushShopCache();
        statuses.push((await call('GET', '/products?limit=5')).status);
      }
      return statuses;
    };
    const replicaReads = async () => {
      const c = new pg.Client({ host: '127.0.0.1', port: localReplica.port, user: 'postgres', database: 'storefront' });
      await c.connect();
      try {
        const { rows } = await c.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = 'storefront' AND client_addr IS NOT NULL AND client_addr <> '127.0.0.1'",
        );
        return Number(rows[0].n);
      } finally {
        await c.end();
      }
    };
    await reads();
    expect(await replicaReads()).toBeGreaterThan(0); // the tasks hold connections to the replica

    localReplica.stop();
    try {
      const during = await reads();
      console.log(`replica down: ${during.length} reads, statuses ${[...new Set(during)].join(',')}`);
      expect(during.every((s) => s === 200)).toBe(true);
    } finally {
      localReplica.resume();
    }
    const after = await reads();
    expect(after.every((s) => s === 200)).toBe(true);
    const back = await replicaReads();
    console.log(`replica resumed: ${back} connections from the tasks`);
    expect(back).toBeGreaterThan(0);
  }, 60_000);

  test('Redis stopped: the catalog answers from PostgreSQL; Redis back: it still answers', async () => {
    const list = await call('GET', '/products?limit=5');
    const id = list.body.items[0].id as string;
    execFileSync(path.join(ROOT, 'scripts', 'shop-redis.sh'), ['stop']);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++)
        statuses.push((await call('GET', `/products/${id}`)).status, (await call('GET', '/products?limit=5')).status);
      console.log(`redis down: ${statuses.length} reads, statuses ${[...new Set(statuses)].join(',')}`);
      expect(statuses.every((s) => s === 200)).toBe(true);
    } finally {
      execFileSync(path.join(ROOT, 'scripts', 'shop-redis.sh'), ['start']);
    }
    const again = await call('GET', `/products/${id}`);
    expect(again.status).toBe(200);
  }, 60_000);
});

async function fetchWithin(route: string, ms: number): Promise<number> {
  const res = await fetch(`${apiUrl()}${route}`, { signal: AbortSignal.timeout(ms) });
  await res.arrayBuffer();
  return res.status;
}
