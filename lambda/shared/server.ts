import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { type AppSource, withoutPathPrefix } from './http.js';
import { logger, publishMetrics } from './observability.js';

/**
 * The container entry of an app: an HTTP server on `PORT` (default 8080), routing without
 * `STAGE_PATH_PREFIX`. Apart from `http.ts` so the Lambda bundles do not carry the Node server adapter.
 */
export async function startServer(source: AppSource, port = Number(process.env.PORT ?? 8080)) {
  // Listen at once; a request that arrives while the app is still being built (secrets, pools) waits
  // for it instead of being refused. Behind an ALB with health checks nothing reaches a task that
  // early; behind one without (the local emulator registers a task the moment it starts) a
  // replacement task then costs latency, not errors. A build that fails ends the process.
  const ready = Promise.resolve(typeof source === 'function' ? source() : source);
  let app: Hono | undefined;
  ready.then(
    (built) => (app = built),
    (err: unknown) => {
      logger.error('start-up failed', err as Error);
      process.exit(1);
    },
  );
  const prefix = process.env.STAGE_PATH_PREFIX;
  const server = serve({
    fetch: async (request, env) => (app ?? (await ready)).fetch(withoutPathPrefix(request, prefix), env),
    port,
    hostname: process.env.HOST ?? '0.0.0.0',
  });
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
