import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { PAGES_VERSION_KEY, pageKey, productKey } from '../../lambda/shared/catalog-cache.js';

/**
 * The floor of the cached read: a bare Node `http` server that answers the catalog's two cached
 * reads with the Redis reads they need (one GET for a product; the pages version, then the page)
 * and the cached JSON as is. No routing library, no logs, no metrics, no validation.
 */
const redis = new Redis({ host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) });

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://floor');
  let body: string | null = null;
  if (url.pathname.startsWith('/products/')) body = await redis.get(productKey(url.pathname.slice('/products/'.length)));
  else if (url.pathname === '/products') {
    const version = (await redis.get(PAGES_VERSION_KEY)) ?? '0';
    body = await redis.get(pageKey(version, Number(url.searchParams.get('limit') ?? 20), url.searchParams.get('cursor') ?? undefined));
  }
  res.writeHead(body === null ? 404 : 200, { 'content-type': 'application/json' });
  res.end(body ?? '{"error":{"code":"NOT_FOUND"}}');
});
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
