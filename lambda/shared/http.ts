import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context as LambdaContext } from 'aws-lambda';
import type { Context } from 'hono';
// Hono's `tiny` preset: its PatternRouter instead of the SmartRouter, which ships both the RegExp
// and the Trie router (~6 KiB of every bundle) to pick one at the first request. A service has a
// handful of routes, so trying their patterns in turn costs no more than one combined RegExp.
import { Hono } from 'hono/tiny';
import { bodyLimit } from 'hono/body-limit';
import type * as z from 'zod/mini';
import { MAX_BODY_BYTES } from '../../contract/errors.js';
import { AppError, errorBody, validationError } from './errors.js';
import './validation.js';
import { initOnce } from './init.js';
import { countMetric, holdLinesUntilPublish, logAccess, logger, publishAfterAnswer, withRequestLogger } from './observability.js';
import { apiGatewayHandler } from './lambda-http.js';
import { Journey } from './server-timing.js';

/**
 * A service's HTTP app: the same Hono app runs behind API Gateway (`lambdaHandler`) and in a
 * container (`startServer`). It owns what every service answers the same way: correlation ids, one
 * access-log line and a `Server-Timing` header (the hops the request made) per request, the JSON
 * error shape, 404 for unknown routes, 413 past 64 KiB, and a 500 without internals for faults.
 */
export function createApp(): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    const lambdaContext = (c.env as { requestContext?: { requestId?: string } } | undefined)?.requestContext;
    const correlationId = c.req.header('x-correlation-id') ?? lambdaContext?.requestId ?? randomUUID();
    const started = performance.now();
    const journey = new Journey();
    await withRequestLogger({ correlationId }, next, journey);
    const durationMs = performance.now() - started;
    // Added to the answer once it is built: `c.res.headers` are the headers it was built with (both
    // entries' light responses keep them as given), so this builds no fetch Response. `c.header()`
    // before the handler would make Hono build a fetch Headers for every answer instead, and after
    // it, a new Response. The hops are known only now.
    const headers = c.res.headers;
    headers.set('x-correlation-id', correlationId);
    headers.set('server-timing', journey.header(durationMs));
    logAccess({
      correlationId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round(durationMs),
    });
  });
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => c.json(errorBody(new AppError('PAYLOAD_TOO_LARGE', `The body exceeds ${MAX_BODY_BYTES} bytes`)), 413),
  });
  // A GET or HEAD has no body to limit (asking the Node adapter for one builds a full fetch Request),
  // and routed by method, their requests do not pass this middleware at all.
  app.on(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], '*', limitBody);
  app.notFound((c) => c.json(errorBody(new AppError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`)), 404));
  app.onError((err, c) => {
    if (err instanceof AppError) return c.json(errorBody(err), err.status as 400);
    logger.error('unhandled fault', err);
    countMetric('Faults');
    return c.json(errorBody(new AppError('INTERNAL', 'Something went wrong on our side; try again')), 500);
  });
  return app;
}

/** The request's JSON body, checked against `schema`; 400 naming each bad field otherwise. */
export async function jsonBody<S extends z.ZodMiniType>(c: Context, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw validationError([{ field: 'body', problem: 'must be a JSON document' }], 'The body is not valid JSON');
  }
  return parse(schema, raw);
}

/** Checks a value (query, params, body) against `schema`; 400 naming each bad field otherwise. */
export function parse<S extends z.ZodMiniType>(schema: S, value: unknown): z.infer<S> {
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
  const adapter = initOnce(async () => apiGatewayHandler(await (typeof source === 'function' ? source() : source)));
  let ready: Awaited<ReturnType<typeof adapter>> | undefined;
  return async (event: APIGatewayProxyEvent, context: LambdaContext): Promise<APIGatewayProxyResult> => {
    // Built once; a warm invocation does not wait on the builder's promise again.
    const proxy = (ready ??= await adapter());
    // The invocation ends with one write, after its answer: its access line and its metrics.
    holdLinesUntilPublish();
    try {
      return await proxy(event, context);
    } finally {
      publishAfterAnswer();
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
