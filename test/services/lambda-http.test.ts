import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { AnswerHeaders, apiGatewayHandler, LightResponse, nativeRequestOf, requestOf } from '#shared/lambda-http.js';
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
      expect(ours).toBeInstanceOf(Request);
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
    if (!('threw' in ours)) expect(new AnswerHeaders(init)).toBeInstanceOf(Headers);
  });

  test('a light answer copies into a real Response with every header', async () => {
    apiGatewayHandler(app());
    const res = new Response('{}', { headers: { 'content-type': 'application/json', 'set-cookie': 'a=1' } }) as unknown as LightResponse;
    res.headers.append('set-cookie', 'b=2');
    expect(res.headers).toBeInstanceOf(AnswerHeaders);
    const real = res.native;
    expect([...real.headers]).toEqual([...res.headers]);
    expect(real.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  });
});
