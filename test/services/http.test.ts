import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createApp, lambdaHandler, withoutPathPrefix } from '#shared/http.js';
import { startServer } from '#shared/server.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { countMetric, countsDocument, isoAt, logger, metrics, publishMetrics } from '#shared/observability.js';
import { hopsOf, proxyEvent } from '../support/http.js';

/** The JSON log lines written while `fn` runs (Powertools writes one line per entry to stdout). */
async function logLines(fn: () => Promise<void>): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return write(chunk);
  });
  // The suite logs errors only (global-setup); these tests read info lines.
  const level = logger.getLevelName();
  logger.setLogLevel('INFO');
  try {
    await fn();
    // A Lambda invocation writes its lines once its answer has left (publishAfterAnswer).
    await new Promise(setImmediate);
  } finally {
    logger.setLogLevel(level);
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the shared HTTP entry', () => {
  test('every answer carries a Server-Timing header in W3C syntax, ending with the time in the app', async () => {
    const app = createApp();
    app.get('/ok', (c) => c.json({ ok: true }));
    app.get('/fault', () => {
      throw new Error('boom');
    });
    for (const [path, status] of [
      ['/ok', 200],
      ['/nowhere', 404],
      ['/fault', 500],
    ] as const) {
      const res = await app.request(path);
      expect(res.status).toBe(status);
      expect(hopsOf(res.headers)).toEqual(['app']);
      expect(res.headers.get('server-timing')).toMatch(/^app;dur=\d+\.\d$/);
    }
  });

  test('concurrent requests in one server keep their own correlation id in every log line', async () => {
    const app = createApp();
    app.get('/slow/:ms', async (c) => {
      logger.info('before the wait');
      await new Promise((r) => setTimeout(r, Number(c.req.param('ms'))));
      logger.info('after the wait');
      return c.json({ ok: true });
    });
    const server = await startServer(app, 0);
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      let answers: Response[] = [];
      const lines = await logLines(async () => {
        // The slow request starts first and ends last: its lines interleave with the fast one's.
        answers = await Promise.all([
          fetch(`${base}/slow/300`, { headers: { 'x-correlation-id': 'slow-request' } }),
          new Promise((r) => setTimeout(r, 50)).then(() => fetch(`${base}/slow/10`, { headers: { 'x-correlation-id': 'fast-request' } })),
        ]);
      });
      const byId = (id: string) => lines.filter((l) => l.correlationId === id).map((l) => l.message);
      expect(byId('slow-request')).toEqual(['before the wait', 'after the wait', 'request']);
      expect(byId('fast-request')).toEqual(['before the wait', 'after the wait', 'request']);
      expect(lines.filter((l) => ['before the wait', 'after the wait', 'request'].includes(l.message as string))).toHaveLength(6);
      // The container's answers carry their own time too: the slow one its 300 ms, the fast one not.
      const [slow, fast] = answers.map((a) => Number(/app;dur=([\d.]+)/.exec(a.headers.get('server-timing') ?? '')?.[1]));
      expect(slow).toBeGreaterThanOrEqual(300);
      expect(fast).toBeLessThan(300);
    } finally {
      server.close();
    }
  });

  test('a container listens while its app is still being built; an early request waits for it, not refused', async () => {
    const app = createApp();
    app.get('/ping', (c) => c.json({ ok: true }));
    let built = 0;
    const building = new Promise<typeof app>((resolve) => setTimeout(() => resolve(app), 300)).then((a) => ((built = Date.now()), a));
    const server = await startServer(() => building, 0);
    await once(server, 'listening');
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`);
      expect(res.status).toBe(200);
      expect(built).toBeGreaterThan(0);
      expect(Date.now()).toBeGreaterThanOrEqual(built);
    } finally {
      server.close();
    }
  });

  test('one access line per request, in the shape of the Powertools lines, muted above INFO', async () => {
    const app = createApp();
    app.get('/thing', (c) => c.json({ ok: true }));
    const handler = lambdaHandler(app);
    const lines = await logLines(async () => {
      const res = await handler(proxyEvent('GET', '/thing', { headers: { 'x-correlation-id': 'access-1' } }), {} as never);
      expect(res.multiValueHeaders?.['x-correlation-id']).toEqual(['access-1']);
    });
    const access = lines.filter((l) => l.message === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toEqual({
      level: 'INFO',
      message: 'request',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: expect.any(String),
      sampling_rate: 0,
      correlationId: 'access-1',
      method: 'GET',
      path: '/thing',
      status: 200,
      durationMs: expect.any(Number),
    });
    // The same keys, in the same order, as a line the Powertools logger writes.
    const viaLogger = (await logLines(async () => logger.info('request', { correlationId: 'x' }))).find((l) => l.message === 'request')!;
    expect(Object.keys(access[0]).slice(0, 6)).toEqual(Object.keys(viaLogger).slice(0, 6));

    const level = logger.getLevelName();
    logger.setLogLevel('WARN');
    const muted: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (muted.push(String(chunk)), true));
    try {
      await handler(proxyEvent('GET', '/thing'), {} as never);
    } finally {
      spy.mockRestore();
      logger.setLogLevel(level);
    }
    expect(muted.filter((l) => l.includes('"message":"request"'))).toEqual([]);
  });

  test('in Lambda, the access line carries the X-Ray trace id as the Powertools lines do', async () => {
    const saved = { fn: process.env.AWS_LAMBDA_FUNCTION_NAME, trace: process.env._X_AMZN_TRACE_ID };
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'catalog';
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=557abcec3ee5a047;Sampled=1';
    try {
      let lambdaObservability!: typeof import('#shared/observability.js');
      jest.isolateModules(() => {
        lambdaObservability = jest.requireActual('#shared/observability.js');
      });
      const lines = await logLines(async () => {
        lambdaObservability.logger.setLogLevel('INFO');
        lambdaObservability.logAccess({ correlationId: 'traced', method: 'GET', path: '/x', status: 200, durationMs: 1 });
        lambdaObservability.logger.info('via the logger');
      });
      const access = lines.find((l) => l.message === 'request')!;
      const viaLogger = lines.find((l) => l.message === 'via the logger')!;
      expect(access.xray_trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
      expect(access.xray_trace_id).toBe(viaLogger.xray_trace_id);
    } finally {
      for (const [k, v] of [
        ['AWS_LAMBDA_FUNCTION_NAME', saved.fn],
        ['_X_AMZN_TRACE_ID', saved.trace],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  test('counted metrics leave as one EMF value each, their sum, when metrics are published', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    try {
      for (let i = 0; i < 250; i++) countMetric('CacheHit');
      countMetric('CacheMiss');
      // Counting writes nothing: no EMF document per hundred requests any more.
      expect(lines).toEqual([]);
      publishMetrics();
      publishMetrics(); // nothing new: the counts were emitted once
    } finally {
      spy.mockRestore();
    }
    const emf = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ CacheHit: 250, CacheMiss: 1 });
  });

  test('a Lambda invocation writes its access line and its metrics in one write, after its answer and before the next event', async () => {
    const app = createApp();
    app.get('/counted', (c) => {
      countMetric('CacheHit');
      return c.json({ ok: true });
    });
    const handler = lambdaHandler(app);
    const writes: string[] = [];
    const level = logger.getLevelName();
    logger.setLogLevel('INFO');
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (writes.push(String(chunk)), true));
    let writtenBeforeNextEvent: number | undefined;
    try {
      const res = await handler(proxyEvent('GET', '/counted', { headers: { 'x-correlation-id': 'one-write' } }), {} as never);
      // The answer is ready before its lines are written...
      expect(res.statusCode).toBe(200);
      expect(writes).toHaveLength(0);
      // ...and they are written before the runtime asks for the next event (from a setImmediate it queues then).
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          writtenBeforeNextEvent = writes.length;
          resolve();
        }),
      );
    } finally {
      spy.mockRestore();
      logger.setLogLevel(level);
    }
    expect(writtenBeforeNextEvent).toBe(1);
    expect(writes).toHaveLength(1);
    const lines = writes[0]
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ message: 'request', correlationId: 'one-write', status: 200 }),
      expect.objectContaining({ CacheHit: 1 }),
    ]);
  });

  test("the access line's timestamp is Date's ISO text, also across seconds and back in time", () => {
    const base = Date.UTC(2026, 11, 31, 23, 59, 59, 0);
    for (const t of [base, base + 7, base + 999, base + 1000, base + 1001, base - 1, base + 86_400_000 + 42, 0, 1_000_000_000_123])
      expect([t, isoAt(t)]).toEqual([t, new Date(t).toISOString()]);
  });

  test('the counts document is the EMF document Powertools writes for the same values', () => {
    const values = new Map([
      ['CacheHit', 7],
      ['DbRead', 2],
    ]);
    for (const [name, value] of values) metrics.addMetric(name, MetricUnit.Count, value);
    const viaPowertools = metrics.serializeMetrics() as { _aws: { Timestamp: number } };
    metrics.clearMetrics();
    // The same text, so the same keys in the same order: a reader of the raw log line sees one shape.
    expect(countsDocument(values, viaPowertools._aws.Timestamp)).toBe(JSON.stringify(viaPowertools));
    // Again from the cached head of that set of names, and for another set.
    expect(countsDocument(values, viaPowertools._aws.Timestamp)).toBe(JSON.stringify(viaPowertools));
    metrics.addMetric('CacheHit', MetricUnit.Count, 7);
    const one = metrics.serializeMetrics() as { _aws: { Timestamp: number } };
    metrics.clearMetrics();
    expect(countsDocument(new Map([['CacheHit', 7]]), one._aws.Timestamp)).toBe(JSON.stringify(one));
  });

  test('a Lambda whose app failed to build retries the build on the next invocation', async () => {
    let attempts = 0;
    const handler = lambdaHandler(() => {
      attempts++;
      if (attempts === 1) throw new Error('secret not reachable yet');
      const app = createApp();
      app.get('/ping', (c) => c.json({ pong: true }));
      return app;
    });
    await expect(handler(proxyEvent('GET', '/ping'), {} as never)).rejects.toThrow('secret not reachable yet');
    const res = await handler(proxyEvent('GET', '/ping'), {} as never);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ pong: true });
    expect(attempts).toBe(2);
  });
});

describe('issue 8: the stage prefix a REST private integration puts in front of the path', () => {
  test('is stripped as a whole segment, body and method kept; other paths pass unchanged', async () => {
    const post = new Request('http://alb.internal/api/orders/42?x=1', {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    const stripped = withoutPathPrefix(post, '/api');
    expect(new URL(stripped.url).pathname + new URL(stripped.url).search).toBe('/orders/42?x=1');
    expect(stripped.method).toBe('POST');
    expect(await stripped.text()).toBe('{"a":1}');
    expect(new URL(withoutPathPrefix(new Request('http://h/api'), '/api').url).pathname).toBe('/');
    expect(new URL(withoutPathPrefix(new Request('http://h/apix/orders'), '/api').url).pathname).toBe('/apix/orders');
    expect(new URL(withoutPathPrefix(new Request('http://h/health'), '/api').url).pathname).toBe('/health');
    expect(withoutPathPrefix(post, undefined)).toBe(post);
  });

  test('a container server with STAGE_PATH_PREFIX routes /api/<route> and /<route> alike', async () => {
    const app = createApp();
    app.get('/orders/:id', (c) => c.json({ id: c.req.param('id') }));
    process.env.STAGE_PATH_PREFIX = '/api';
    const server = await startServer(app, 0);
    try {
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      for (const path of ['/api/orders/7', '/orders/7']) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ id: '7' });
      }
    } finally {
      delete process.env.STAGE_PATH_PREFIX;
      server.close();
    }
  });
});
