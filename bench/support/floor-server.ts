import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { pageKey, productKey } from '../../lambda/shared/catalog-cache.js';

/**
 * The floor of the cached read: a bare Node `http` server that answers the catalog's two cached
 * reads with the Redis read each needs (one GET for a product, one for a page)
 * and the cached JSON as is. No routing library, no logs, no metrics, no validation.
 */
const redis = new Redis({ host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) });

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://floor');
  let body: string | null = null;
  if (url.pathname.startsWith('/products/')) body = await redis.get(productKey(url.pathname.slice('/products/'.length)));
  else if (url.pathname === '/products') {
    // The first page, as the benchmark reads it (a cursor would be decoded to its product id first).
    body = await redis.get(pageKey(Number(url.searchParams.get('limit') ?? 20), undefined));
  }
  res.writeHead(body === null ? 404 : 200, { 'content-type': 'application/json' });
  res.end(body ?? '{"error":{"code":"NOT_FOUND"}}');
});
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
