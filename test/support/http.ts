import type { Hono } from 'hono';

/** A JSON request through the app's real request handling (routing, middleware, errors). */
export async function call(
  app: Hono<any>,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await app.request(path, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : undefined };
}

/** An API Gateway REST proxy event, as API Gateway sends it to the Lambda handler. */
export function proxyEvent(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; query?: Record<string, string> } = {},
) {
  return {
    httpMethod: method,
    path,
    resource: path,
    headers: { 'content-type': 'application/json', ...options.headers },
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      stage: 'api',
      httpMethod: method,
      path,
      identity: { sourceIp: '127.0.0.1' },
    },
  } as any;
}

/** One `Server-Timing` entry (W3C syntax: `name;desc=...;dur=...`). */
const SERVER_TIMING_ENTRY = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:;desc=([A-Za-z0-9!#$%&'*+.^_`|~-]+))?;dur=(\d+(?:\.\d+)?)$/;

/**
 * The hops of a response's `Server-Timing` header as `name:desc` (`name` alone without a desc), in
 * order. Throws on an entry that is not W3C Server-Timing syntax, or on a missing header.
 */
export function hopsOf(headers: Headers | Record<string, string | undefined>): string[] {
  const value =
    typeof headers.get === 'function'
      ? (headers as Headers).get('server-timing')
      : (headers as Record<string, string | undefined>)['server-timing'];
  if (!value) throw new Error('no Server-Timing header');
  return value.split(', ').map((entry) => {
    const m = SERVER_TIMING_ENTRY.exec(entry);
    if (!m) throw new Error(`not a Server-Timing entry: ${entry}`);
    return m[2] === undefined ? m[1] : `${m[1]}:${m[2]}`;
  });
}
