import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { AppError, errorBody, validationError } from './errors.js';
import { initOnce } from './init.js';
import { logger, metrics, withRequestLogger } from './observability.js';

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * A service's HTTP app: the same Hono app runs behind API Gateway (`lambdaHandler`) and in a
 * container (`startServer`). It owns what every service answers the same way: correlation ids and
 * one access-log line per request, the JSON error shape, 404 for unknown routes, 413 past 64 KiB, and
 * a 500 without internals for faults.
 */
export function createApp(): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    const lambdaContext = (c.env as { requestContext?: { requestId?: string } } | undefined)?.requestContext;
    const correlationId = c.req.header('x-correlation-id') ?? lambdaContext?.requestId ?? randomUUID();
    await withRequestLogger({ correlationId }, async () => {
      const started = performance.now();
      await next();
      c.header('x-correlation-id', correlationId);
      logger.info('request', {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json(errorBody(new AppError(413, 'PAYLOAD_TOO_LARGE', `The body exceeds ${MAX_BODY_BYTES} bytes`)), 413),
    }),
  );
  app.notFound((c) => c.json(errorBody(new AppError(404, 'NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`)), 404));
  app.onError((err, c) => {
    if (err instanceof AppError) return c.json(errorBody(err), err.status as 400);
    logger.error('unhandled fault', err);
    metrics.addMetric('Faults', MetricUnit.Count, 1);
    return c.json(errorBody(new AppError(500, 'INTERNAL', 'Something went wrong on our side; try again')), 500);
  });
  return app;
}

/** The request's JSON body, checked against `schema`; 400 naming each bad field otherwise. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw validationError([{ field: 'body', problem: 'must be a JSON document' }], 'The body is not valid JSON');
  }
  return parse(schema, raw);
}

/** Checks a value (query, params, body) against `schema`; 400 naming each bad field otherwise. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(result.error.issues.map((i) => ({ field: i.path.length > 0 ? i.path.join('.') : 'body', problem: i.message })));
}

/** An app, or how to build it (connections, secrets): a builder can be retried after a failure. */
export type AppSource = Hono | Promise<Hono> | (() => Hono | Promise<Hono>);

/**
 * The Lambda entry of an app: API Gateway REST proxy events in, proxy results out. A builder is
 * retried on the next invocation if it fails (`initOnce`).
 */
export function lambdaHandler(source: AppSource) {
  const adapter = initOnce(async () => handle(await (typeof source === 'function' ? source() : source)));
  return async (event: Parameters<ReturnType<typeof handle>>[0], context: Parameters<ReturnType<typeof handle>>[1]) => {
    const proxy = await adapter();
    try {
      return await proxy(event, context);
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/**
 * `request` without a leading `prefix` segment (`/api/orders/1` → `/orders/1`, `/api` → `/`), or
 * unchanged: behind a REST API private integration the path carries the stage in front (ADR 0010),
 * while the ALB's health checks and the emulator send the bare path.
 */
export function withoutPathPrefix(request: Request, prefix: string | undefined): Request {
  if (!prefix) return request;
  const url = new URL(request.url);
  if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return request;
  url.pathname = url.pathname.slice(prefix.length) || '/';
  return new Request(url, request);
}

/** The container entry of an app: an HTTP server on `PORT` (default 8080), routing without `STAGE_PATH_PREFIX`. */
export async function startServer(source: AppSource, port = Number(process.env.PORT ?? 8080)) {
  // Listen at once; a request that arrives while the app is still being built (secrets, pools) waits
  // for it instead of being refused. Behind an ALB with health checks nothing reaches a task that
  // early; behind one without (the local emulator registers a task the moment it starts) a
  // replacement task then costs latency, not errors. A build that fails ends the process.
  const ready = Promise.resolve(typeof source === 'function' ? source() : source);
  ready.catch((err: unknown) => {
    logger.error('start-up failed', err as Error);
    process.exit(1);
  });
  const prefix = process.env.STAGE_PATH_PREFIX;
  const server = serve({
    fetch: async (request, env) => (await ready).fetch(withoutPathPrefix(request, prefix), env),
    port,
    hostname: process.env.HOST ?? '0.0.0.0',
  });
  logger.info('listening', { port });
  // No invocation ends here to flush EMF metrics: publish them every minute, and on the way out.
  const flush = setInterval(() => metrics.publishStoredMetrics(), 60_000);
  flush.unref();
  const stop = () => {
    clearInterval(flush);
    metrics.publishStoredMetrics();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return server;
}
