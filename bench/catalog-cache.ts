import * as fs from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { catalogApp } from '../lambda/catalog/app.js';
import { ReadThroughCache } from '../lambda/catalog/cache.js';
import type { ProductRepository } from '../lambda/catalog/products.js';
import { pgProducts } from '../lambda/catalog/products.js';
import { databaseFromEnv } from '../lambda/shared/db.js';
import { dbEnv, loadEnv, redisEnv } from '../lambda/shared/env.js';
import { startServer } from '../lambda/shared/server.js';
import { redisFromEnv } from '../lambda/shared/redis.js';
import { useLocalEnvironment } from '../scripts/local-env.js';
import { percentile } from './support/report.js';

/**
 * `npm run bench:catalog`: the catalog's HTTP server on the local PostgreSQL and Redis (seeded
 * catalog), with its repository counted, so "DB reads per 1,000 product reads" is measured where
 * the database is called rather than inferred from cache statistics.
 */
const READS = 1000;
const LATENCY_READS = 2000;
const CONCURRENCY = 8;

async function main(): Promise<void> {
  await useLocalEnvironment();
  const env = loadEnv({ ...dbEnv, ...redisEnv });
  const [db, redis] = await Promise.all([databaseFromEnv(env), redisFromEnv(env)]);
  let dbReads = 0;
  const real = pgProducts(db);
  const products: ProductRepository = {
    get: (id, from) => (dbReads++, real.get(id, from)),
    list: (after, limit, from) => (dbReads++, real.list(after, limit, from)),
  };
  const cache = new ReadThroughCache(redis, 300);
  const server = await startServer(catalogApp({ products, cache, ping: () => db.ping() }), 0);
  if (!server.listening) await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const ids = (await real.list(undefined, 100)).value.map((p) => p.id);
  if (ids.length < 20) throw new Error(`Only ${ids.length} products: run 'npm run db:seed' first`);
  await redis.del(...ids.map((id) => `catalog:product:${id}`));

  const read = async (i: number) => {
    const started = performance.now();
    const res = await fetch(`${base}/products/${ids[i % ids.length]}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET /products/{id} answered ${res.status}`);
    return { ms: performance.now() - started, cache: res.headers.get('x-cache') };
  };

  // Cold: one pass over every product fills the cache.
  for (let i = 0; i < ids.length; i++) await read(i);
  const coldReads = dbReads;

  dbReads = 0;
  let hits = 0;
  for (let i = 0; i < READS; i++) if ((await read(i)).cache === 'hit') hits++;
  const warmDbReads = dbReads;

  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < LATENCY_READS) latencies.push((await read(next++)).ms);
    }),
  );
  latencies.sort((a, b) => a - b);
  const serial: number[] = [];
  for (let i = 0; i < 500; i++) serial.push((await read(i)).ms);
  serial.sort((a, b) => a - b);

  const f = (n: number) => n.toFixed(2);
  const result = [
    '## Catalog cache',
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench:catalog\` (bench/catalog-cache.ts): the catalog's`,
    `HTTP server (\`@hono/node-server\`) on this machine's PostgreSQL 15 and Redis 7, ${ids.length} seeded products,`,
    'the product repository counted at the point where it queries PostgreSQL.',
    '',
    '| figure | value |',
    '|---|---|',
    `| DB reads to fill the cache (one read of each of ${ids.length} products) | ${coldReads} |`,
    `| **DB reads per ${READS} product reads, warm cache** | **${warmDbReads}** (${hits} of ${READS} answered \`x-cache: hit\`) |`,
    `| \`GET /products/{id}\` p50 / p99, one client | ${f(percentile(serial, 50))} ms / ${f(percentile(serial, 99))} ms |`,
    `| \`GET /products/{id}\` p50 / p99, ${CONCURRENCY} concurrent clients, ${LATENCY_READS} reads | ${f(percentile(latencies, 50))} ms / ${f(percentile(latencies, 99))} ms |`,
    '',
    'Latency is measured by the client over loopback HTTP with request logs and EMF metrics off (the npm script); the',
    'machine is shared (2 cores), so take the percentiles as an order of magnitude.',
    '',
  ].join('\n');
  console.log(result);

  const file = path.join(__dirname, '..', 'docs', 'benchmarks.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const section = /## Catalog cache\n[\s\S]*?(?=\n## |$)/;
  fs.writeFileSync(file, section.test(current) ? current.replace(section, result) : `${current.trimEnd()}\n\n${result}`);

  server.close();
  redis.disconnect();
  await db.close();
  // fetch keeps connections alive; the numbers are written, so end now.
  process.exit(0);
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
