import { execFileSync } from 'node:child_process';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import {
  AnswerHeaders,
  apiGatewayHandler,
  LIGHT_REQUEST_DELEGATES,
  LightResponse,
  nativeRequestOf,
  requestOf,
} from '#shared/lambda-http.js';
import { proxyEvent } from '../support/http.js';

/** An app answering in every way the services and Hono's helpers answer. */
function app(): Hono {
  const a = new Hono();
  a.get('/json', (c) => c.json({ ok: true, text: 'é' }));
  a.get('/raw', (c) => c.body('{"cached":1}', 200, { 'content-type': 'application/json' }));
  a.get('/plain', (c) => c.body('hi'));
  a.get('/empty', (c) => c.body(null, 204));
  a.get('/cookies', (c) => {
    c.header('set-cookie', 'a=1', { append: true });
    c.header('set-cookie', 'b=2', { append: true });
    return c.json({ ok: true });
  });
  a.get('/binary', (c) => c.body(new Uint8Array([0, 1, 2, 255]), 200, { 'content-type': 'image/png' }));
  a.get('/gzip', (c) => c.body(new Uint8Array([31, 139, 8]), 200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }));
  a.get('/xul', (c) => c.body('<x/>', 200, { 'content-type': 'application/vnd.mozilla.xul+xml' }));
  a.get('/stream', (c) => c.body(new Blob(['streamed']).stream(), 200, { 'content-type': 'text/plain' }));
  a.get('/static', () => Response.json({ via: 'Response.json' }, { status: 201 }));
  a.get('/echo', (c) => c.json({ query: c.req.queries(), header: c.req.header('x-thing'), host: new URL(c.req.url).host }));
  a.post('/echo', async (c) => c.json({ body: await c.req.json(), type: c.req.header('content-type') ?? null }));
  a.get('/late-header', async (c, next) => {
    await next();
    c.res.headers.set('x-late', 'set after the handler');
  });
  a.get('/late-header', (c) => c.json({ ok: true }));
  return a;
}

const events = [
  proxyEvent('GET', '/json'),
  proxyEvent('GET', '/raw'),
  proxyEvent('GET', '/plain'),
  proxyEvent('GET', '/empty'),
  proxyEvent('GET', '/cookies'),
  proxyEvent('GET', '/binary'),
  proxyEvent('GET', '/stream'),
  proxyEvent('GET', '/gzip'),
  proxyEvent('GET', '/xul'),
  proxyEvent('GET', '/static'),
  proxyEvent('GET', '/late-header'),
  proxyEvent('GET', '/nowhere'),
  proxyEvent('HEAD', '/json'),
  proxyEvent('POST', '/echo', { body: { a: [1, 2] } }),
  {
    ...proxyEvent('GET', '/echo', { query: { q: 'a b&c', n: '1' }, headers: { 'x-thing': 'ü' } }),
    requestContext: { domainName: 'api.example.com' },
  },
  {
    ...proxyEvent('GET', '/echo'),
    multiValueQueryStringParameters: { q: ['1', '2'] },
    multiValueHeaders: { 'x-thing': ['one'], host: ['h.example'] },
  },
  { ...proxyEvent('POST', '/echo'), body: Buffer.from('{"b64":true}').toString('base64'), isBase64Encoded: true },
  { ...proxyEvent('GET', '/json'), multiValueHeaders: undefined },
  { ...proxyEvent('GET', '/cookies'), multiValueHeaders: undefined },
];

describe('the API Gateway entry (lambda-http)', () => {
  const saved = globalThis.Response;
  afterAll(() => {
    globalThis.Response = saved;
  });

  test.each(events.map((e) => [`${e.httpMethod} ${e.path}${e.multiValueHeaders ? '' : ' (no multiValueHeaders)'}`, e]))(
    '%s: the same proxy result as hono/aws-lambda',
    async (_name, event) => {
      const reference = await handle(app())(event, {} as never);
      const ours = await apiGatewayHandler(app())(event, {} as never);
      expect(globalThis.Response).toBe(LightResponse);
      // Header order is not part of a proxy result; compare as maps.
      const norm = (r: { headers?: object; multiValueHeaders?: object }) => ({
        ...r,
        headers: { ...r.headers },
        multiValueHeaders: { ...r.multiValueHeaders },
      });
      expect(norm(ours)).toEqual(norm(reference));
    },
  );

  test('a light response is a Response to instanceof, keeps mutations, and turns real only when asked', async () => {
    apiGatewayHandler(app());
    const res = new Response('{"x":1}', { status: 202, headers: { 'content-type': 'application/json' } });
    expect(res).toBeInstanceOf(LightResponse);
    expect(res instanceof Response).toBe(true);
    expect(new saved('x') instanceof Response).toBe(true);
    res.headers.set('x-added', 'yes');
    expect((res as unknown as LightResponse).lightText).toBe('{"x":1}');
    const copy = new Response(null, res);
    expect(copy.status).toBe(202);
    expect(copy.headers.get('x-added')).toBe('yes');
    expect(await res.json()).toEqual({ x: 1 });
    expect(res.bodyUsed).toBe(true);
    expect((res as unknown as LightResponse).lightText).toBeUndefined();
    expect(res.headers.get('x-added')).toBe('yes');
    expect(new Response('plain').headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(new Response(null).headers.get('content-type')).toBeNull();
  });

  test('an event without a domain or host header reads as localhost (hono/aws-lambda made it "undefined")', async () => {
    const res = await apiGatewayHandler(app())(proxyEvent('GET', '/echo'), {} as never);
    expect(JSON.parse(res.body)).toMatchObject({ host: 'localhost' });
  });

  /** Events whose requests must read the same light as real: odd header spellings and values, hosts and paths. */
  const requestEvents = [
    proxyEvent('GET', '/products/3f1c', { headers: { 'X-Correlation-Id': 'abc', Accept: 'application/json' } }),
    { ...proxyEvent('GET', '/products'), queryStringParameters: { limit: '20', cursor: "a b'c/ü" } },
    proxyEvent('GET', '/products', { query: { limit: '20', 'a.b*': 'x-y_z', empty: '', '': 'no-name' } }),
    { ...proxyEvent('GET', '/products'), queryStringParameters: { limit: '20', tilde: 'a~b' } },
    { ...proxyEvent('GET', '/x'), headers: { Cookie: 'a=1', 'X-Twice': 'first', 'x-twice': 'second', 'x-empty': '' } },
    {
      ...proxyEvent('GET', '/x'),
      multiValueHeaders: { cookie: ['a=1', 'b=2'], 'X-Many': ['1', '2'], 'x-many': ['3'] },
      headers: { 'x-many': 'ignored' },
    },
    { ...proxyEvent('GET', '/x'), headers: { 'x-space': ' padded\t', 'x-uni': 'ü€', 'x-tab': 'a\tb' } },
    { ...proxyEvent('GET', '/x'), requestContext: { domainName: 'API.Example.COM' } },
    { ...proxyEvent('GET', '/x'), headers: { host: 'h.example:443' } },
    { ...proxyEvent('GET', '/x'), headers: { host: '0x7f.1' } },
    proxyEvent('GET', '/a b/ü'),
    proxyEvent('GET', '/a/../b/./c'),
    proxyEvent('GET', '/100%25/%7e?x'),
    proxyEvent('get', '/lower-case-method'),
    proxyEvent('DELETE', '/orders/1'),
    proxyEvent('POST', '/echo', { body: { a: 1 } }),
  ];
  const names = [
    'x-correlation-id',
    'Accept',
    'cookie',
    'x-twice',
    'X-MANY',
    'x-empty',
    'x-space',
    'x-uni',
    'x-tab',
    'host',
    'content-type',
    'nope',
    'set-cookie',
  ];

  test.each(requestEvents.map((e) => [`${e.httpMethod} ${e.path}`, e]))(
    '%s: the request reads as the real fetch Request would',
    async (_n, event) => {
      const ours = requestOf(event as never);
      const real = nativeRequestOf(event as never);
      expect(Object.prototype.toString.call(ours)).toBe('[object Request]');
      expect(ours.method).toBe(real.method);
      expect(ours.url).toBe(real.url);
      for (const name of names) {
        expect([name, ours.headers.get(name)]).toEqual([name, real.headers.get(name)]);
        expect([name, ours.headers.has(name)]).toEqual([name, real.headers.has(name)]);
      }
      expect(() => ours.headers.get('bad name')).toThrow(/invalid header name/);
      expect([...ours.headers]).toEqual([...real.headers]);
      expect(ours.signal.aborted).toBe(false);
      expect(await ours.clone().text()).toBe(await real.text());
      ours.headers.set('x-added', 'later');
      expect(ours.headers.get('x-added')).toBe('later');
    },
  );

  test('only a bodiless request with a plain method, URL and host stays light', () => {
    const light = (e: object) => !(requestOf(e as never).constructor === Request);
    expect(light(proxyEvent('GET', '/products/3f1c'))).toBe(true);
    expect(light({ ...proxyEvent('GET', '/x'), requestContext: { domainName: 'api.example.com' } })).toBe(true);
    expect(light(proxyEvent('POST', '/echo', { body: {} }))).toBe(false);
    expect(light(proxyEvent('GET', '/a b'))).toBe(false);
    expect(light(proxyEvent('GET', '/a/../b'))).toBe(false);
    expect(light({ ...proxyEvent('GET', '/x'), headers: { host: '10.0.0.1' } })).toBe(false);
    expect(light(proxyEvent('get', '/x'))).toBe(false);
  });

  /** Steps applied to a light answer's headers and to a fetch Headers alike. */
  type Step = ['append' | 'set', string, string] | ['delete', string];
  const scripts: Array<[string, ConstructorParameters<typeof Headers>[0], Step[]]> = [
    ['a plain object, then a later header', { 'Content-Type': 'application/json', 'X-Cache': 'hit' }, [['set', 'x-correlation-id', 'abc']]],
    [
      'pairs with a repeated name',
      [
        ['X-A', '1'],
        ['x-a', '2'],
        ['B', ' padded\t'],
      ],
      [['append', 'x-a', '3']],
    ],
    [
      'cookies',
      undefined,
      [
        ['append', 'Set-Cookie', 'a=1'],
        ['append', 'set-cookie', 'b=2'],
        ['append', 'cookie', 'c=3'],
        ['append', 'Cookie', 'd=4'],
      ],
    ],
    [
      'set replaces, delete removes',
      { a: '1', 'set-cookie': 'x=1' },
      [
        ['set', 'A', '2'],
        ['set', 'set-cookie', 'y=2'],
        ['delete', 'a'],
        ['append', 'z', 'last'],
      ],
    ],
    ['a Headers to copy', new Headers({ 'x-from': 'headers', vary: 'a' }), [['append', 'Vary', 'b']]],
    ['Latin-1 and an empty value', { 'x-latin': 'café', 'x-empty': '' }, []],
    ['a bad name', undefined, [['set', 'bad name', 'x']]],
    ['a value with a line break', undefined, [['set', 'x', 'a\r\nb']]],
    ['a value beyond Latin-1', undefined, [['set', 'x', 'ü€']]],
  ];

  test.each(scripts)("a light answer's headers behave as a fetch Headers: %s", (_name, init, steps) => {
    const run = (make: () => Headers) => {
      try {
        const h = make();
        for (const step of steps)
          if (step[0] === 'delete') h.delete(step[1]);
          else h[step[0]](step[1], step[2]);
        const names = ['content-type', 'X-Cache', 'x-a', 'b', 'set-cookie', 'cookie', 'a', 'z', 'vary', 'x-latin', 'x-empty', 'nope'];
        return {
          entries: [...h],
          forEach: (() => {
            const seen: string[][] = [];
            h.forEach((v, k) => seen.push([k, v]));
            return seen;
          })(),
          keys: [...h.keys()],
          values: [...h.values()],
          got: names.map((n) => [n, h.get(n), h.has(n)]),
          cookies: h.getSetCookie(),
        };
      } catch (err) {
        return { threw: (err as Error).constructor.name };
      }
    };
    const ours = run(() => new AnswerHeaders(init) as unknown as Headers);
    expect(ours).toEqual(run(() => new Headers(init)));
    if (!('threw' in ours)) expect(Object.prototype.toString.call(new AnswerHeaders(init))).toBe('[object Headers]');
  });

  test('a light answer copies into a real Response with every header', async () => {
    apiGatewayHandler(app());
    const res = new Response('{}', { headers: { 'content-type': 'application/json', 'set-cookie': 'a=1' } }) as unknown as LightResponse;
    res.headers.append('set-cookie', 'b=2');
    expect(res.headers).toBeInstanceOf(AnswerHeaders);
    const real = new saved(await res.text(), res as unknown as Response);
    expect([...real.headers]).toEqual([...res.headers]);
    expect(real.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  });

  /** Ways to build an answer, each run with Node's Response and with the light one. */
  const constructions: Array<[string, (R: typeof Response) => Response]> = [
    ['JSON text', (R) => new R('{"a":1}', { headers: { 'content-type': 'application/json' } })],
    ['plain text', (R) => new R('plain')],
    ['an empty string', (R) => new R('')],
    ['no body', (R) => new R(null)],
    ['204 without a body', (R) => new R(undefined, { status: 204 })],
    ['204 with a body', (R) => new R('x', { status: 204 })],
    ['status below 200', (R) => new R(null, { status: 199 })],
    ['status above 599', (R) => new R(null, { status: 600 })],
    ['status as text', (R) => new R('x', { status: '201' as never })],
    ['a status text', (R) => new R('x', { status: 418, statusText: 'Short and stout' })],
    ['a status text with a line break', (R) => new R('x', { statusText: 'bad\n' })],
    ['bytes', (R) => new R(new Uint8Array([104, 105]))],
    ['an ArrayBuffer', (R) => new R(new Uint8Array([1, 2, 3]).buffer)],
    ['a Blob with a type', (R) => new R(new Blob(['a,b'], { type: 'text/csv' }))],
    ['search params', (R) => new R(new URLSearchParams('a=1&b=2'))],
    [
      'form data',
      (R) => {
        const form = new FormData();
        form.append('field', 'value');
        return new R(form);
      },
    ],
    ['a stream', (R) => new R(new Blob(['streamed']).stream(), { headers: { 'content-type': 'text/plain' } })],
    [
      'cookies and a repeated header',
      (R) =>
        new R('x', {
          headers: [
            ['set-cookie', 'a=1'],
            ['Set-Cookie', 'b=2'],
            ['X-A', '1'],
            ['x-a', '2'],
          ],
        }),
    ],
    ['a bad header name', (R) => new R('x', { headers: { 'bad name': 'x' } })],
    [
      'a content type changed after',
      (R) => {
        const res = new R('a=1', { headers: { 'content-type': 'text/plain' } });
        res.headers.set('content-type', 'application/x-www-form-urlencoded');
        return res;
      },
    ],
    ['another answer as init', (R) => new R('x', new R('y', { status: 201, statusText: 'Made', headers: { a: '1' } }))],
    ['Response.json', (R) => R.json({ a: 1 }, { status: 201, headers: { 'x-a': '1' } })],
    ['Response.json with its own type', (R) => R.json([1], { headers: { 'content-type': 'application/vnd.x+json' } })],
    ['Response.json of undefined', (R) => R.json(undefined)],
    ['Response.error', (R) => R.error()],
    ['Response.redirect', (R) => R.redirect('https://example.com/a b?c', 301)],
    ['Response.redirect to a relative URL', (R) => R.redirect('/relative')],
    ['Response.redirect with a non-redirect status', (R) => R.redirect('https://example.com/', 200 as never)],
  ];

  /** Everything a caller can see of an answer, read through every member (copies for all but the last read). */
  async function observe(make: () => Response) {
    const settle = (p: () => Promise<unknown>) =>
      p().then(
        (v) => v,
        (err: Error) => `rejects ${err.constructor.name}`,
      );
    const attempt = (f: () => unknown) => {
      try {
        return f();
      } catch (err) {
        return `throws ${(err as Error).constructor.name}`;
      }
    };
    let res: Response;
    try {
      res = make();
    } catch (err) {
      return { threw: (err as Error).constructor.name };
    }
    const seen = {
      tag: Object.prototype.toString.call(res),
      status: res.status,
      ok: res.ok,
      statusText: res.statusText,
      type: res.type,
      url: res.url,
      redirected: res.redirected,
      headers: [...res.headers],
      bodyIsNull: res.body === null,
      text: await settle(() => res.clone().text()),
      json: await settle(() => res.clone().json()),
      bytes: await settle(async () => Buffer.from(await res.clone().bytes()).toString('latin1')),
      blob: await settle(async () => {
        const blob = await res.clone().blob();
        return [blob.type, blob.size];
      }),
      form: await settle(async () => [...(await res.clone().formData())].map(([k, v]) => [k, String(v)])),
      usedBefore: res.bodyUsed,
      arrayBuffer: await settle(async () => (await res.arrayBuffer()).byteLength),
      usedAfter: res.bodyUsed,
      again: await settle(() => res.text()),
      cloneAfter: attempt(() => res.clone().status),
      setHeader: attempt(() => res.headers.set('x-late', '1')),
    };
    // A form's boundary is random: the same on both sides once named.
    return JSON.parse(JSON.stringify(seen).replace(/formdata-undici-\d+/g, 'BOUNDARY'));
  }

  test.each(constructions)("a light answer reads as Node's Response does: %s", async (_name, build) => {
    const light = await observe(() => build(LightResponse as unknown as typeof Response));
    expect(light).toEqual(await observe(() => build(saved)));
  });

  test("the light request delegates every member of Node's Request it does not hold", () => {
    const accessors: string[] = [];
    const methods: string[] = [];
    for (const key of Object.getOwnPropertyNames(Request.prototype)) {
      const descriptor = Object.getOwnPropertyDescriptor(Request.prototype, key)!;
      if (descriptor.get) accessors.push(key);
      else if (typeof descriptor.value === 'function' && key !== 'constructor') methods.push(key);
    }
    expect([...LIGHT_REQUEST_DELEGATES.getters, 'method', 'url', 'headers'].sort()).toEqual(accessors.sort());
    expect([...LIGHT_REQUEST_DELEGATES.methods].sort()).toEqual(methods.sort());
  });

  test('a bodiless read answered with text never loads undici (the fetch classes): a fresh process', () => {
    // In a fresh Node (Jest's own environment has loaded the fetch classes long before), the
    // shared app with its middleware answers a read, a 404 and a validation error through the
    // Lambda entry; Node lists every internal module it loaded.
    const script = `
      const { createApp, lambdaHandler, parse } = await import('#shared/http.js');
      const { proxyEvent } = await import('./test/support/http.ts');
      const z = await import('zod/mini');
      const app = createApp();
      app.get('/products/:id', (c) => c.json({ id: c.req.param('id'), name: 'Mug' }));
      app.get('/checked', (c) => c.json(parse(z.object({ limit: z.string() }), c.req.query())));
      const handler = lambdaHandler(app);
      const statuses = [];
      for (const path of ['/products/1', '/products/2', '/nowhere', '/checked'])
        statuses.push((await handler(proxyEvent('GET', path), {})).statusCode);
      const undici = process.moduleLoadList.filter((m) => m.includes('undici'));
      console.log('RESULT ' + JSON.stringify({ statuses, undici }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: `${__dirname}/../..`,
      encoding: 'utf8',
    });
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    expect(JSON.parse(line!.slice('RESULT '.length))).toEqual({ statuses: [200, 200, 404, 400], undici: [] });
  });
});
