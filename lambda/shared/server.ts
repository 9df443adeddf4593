import { serve } from '@hono/node-server';
import type { AppSource } from './http.js';
import { logger, publishMetrics } from './observability.js';

/**
 * The container entry of an app: an HTTP server on `PORT` (default 8080). Apart from `http.ts` so
 * the Lambda bundles do not carry the Node server adapter.
 */
export async function startServer(source: AppSource, port = Number(process.env.PORT ?? 8080)) {
  const resolved = await (typeof source === 'function' ? source() : source);
  const server = serve({ fetch: resolved.fetch, port, hostname: process.env.HOST ?? '0.0.0.0' });
  logger.info('listening', { port });
  // No invocation ends here to flush EMF metrics: publish them every minute, and on the way out.
  const flush = setInterval(publishMetrics, 60_000);
  flush.unref();
  const stop = () => {
    clearInterval(flush);
    publishMetrics();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return server;
}
