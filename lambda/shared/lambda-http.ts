import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context as LambdaContext } from 'aws-lambda';
import type { Hono } from 'hono';

/**
 * The Lambda entry of a Hono app: API Gateway REST (v1) proxy events in, proxy results out, in the
 * shapes `hono/aws-lambda`'s `handle` gives them (headers as in the event, `multiValueHeaders` when
 * the event has them, binary bodies base64). Hand-written for the fast path: `handle` turns every
 * answer into a fetch `Response` and reads its body back through a web stream, ~15 µs of a cached
 * read that takes ~100 µs; `handle` is also deprecated (hono v5 drops `hono/aws-lambda`).
 *
 * The answer stays light: while this entry runs, Hono's `new Response(text, init)` builds a
 * `LightResponse`, which keeps the text, status and headers as given and implements the rest of a
 * `Response` itself, reaching for fetch's Body steps only when something reads the body. A cached
 * read thus never loads undici (Node's fetch), and neither does this module. The container entry
 * does much the same through `@hono/node-server`, which installs its own light Response.
 */

type Body = ConstructorParameters<typeof Response>[0];
type Init = NonNullable<ConstructorParameters<typeof Response>[1]>;
/** What a real Response sets for a text body without a content type. */
const DEFAULT_TEXT = 'text/plain;charset=UTF-8';

/*
 * Nothing here reads the fetch globals (`Response`, `Headers`, `Request`) when the module loads:
 * on Node they are lazy, and the first read loads undici, ~15 % of a `dev` bundle's cold start.
 * A cached read never needs them, so the light classes below pass for theirs by `Symbol.toStringTag`
 * (what `Object.prototype.toString` and `LightResponse`'s `instanceof` read) rather than by a
 * prototype link to the real class.
 */
const isA = (value: unknown, kind: 'Headers' | 'Response' | 'Request') => Object.prototype.toString.call(value) === `[object ${kind}]`;
const tagAs = (target: { prototype: object }, kind: 'Headers' | 'Response' | 'Request') =>
  Object.defineProperty(target.prototype, Symbol.toStringTag, { value: kind, configurable: true });

/** An HTTP token (RFC 9110), what a header name must be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a fetch Headers strips from both ends of a value (HTTP whitespace). */
const SURROUNDING_SPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** What it refuses inside one: NUL, CR, LF, and characters beyond Latin-1 (a ByteString). */
const BAD_VALUE = /[\0\r\n]|[^\0-\xff]/;

/** Two values of one header as a fetch Headers combines them: `cookie` with "; ", any other with ", ". */
const combined = (lower: string, before: string, value: string) => `${before}${lower === 'cookie' ? '; ' : ', '}${value}`;

function headerName(name: string): string {
  if (!TOKEN.test(name)) throw new TypeError(`Headers: "${name}" is an invalid header name.`);
  return name.toLowerCase();
}

/**
 * The headers of a light answer: a Map with the fetch Headers rules (names checked and lower-cased,
 * values trimmed and checked, `set-cookie` kept one per line, `cookie` joined with "; ", listed in
 * name order), for what Hono and the entry do with them. A fetch Headers validates through WebIDL
 * converters on every call and sorts on every listing: ~7 µs of a cached read's ~30 µs of
 * JavaScript. A real Response built from it copies it.
 */
export class AnswerHeaders {
  readonly #values = new Map<string, string>();
  #cookies: string[] = [];
  // Set once the init is in: only then do immutable headers refuse changes.
  #immutable = false;

  /** `immutable`: the headers of `Response.error()` and `redirect()`, which refuse every change. */
  constructor(init?: Init['headers'], immutable = false) {
    if (init !== undefined && init !== null) {
      const pairs: Iterable<readonly [string, string]> =
        Symbol.iterator in Object(init) ? (init as Iterable<[string, string]>) : Object.entries(init as Record<string, string>);
      for (const [name, value] of pairs) this.append(name, value);
    }
    this.#immutable = immutable;
  }

  append(name: string, value: string): void {
    const key = this.#name(name);
    const v = this.#value(value);
    if (key === 'set-cookie') this.#cookies.push(v);
    else {
      const before = this.#values.get(key);
      this.#values.set(key, before === undefined ? v : combined(key, before, v));
    }
  }

  set(name: string, value: string): void {
    const key = this.#name(name);
    const v = this.#value(value);
    if (key === 'set-cookie') this.#cookies = [v];
    else this.#values.set(key, v);
  }

  get(name: string): string | null {
    const key = headerName(name);
    if (key === 'set-cookie') return this.#cookies.length > 0 ? this.#cookies.join(', ') : null;
    return this.#values.get(key) ?? null;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  delete(name: string): void {
    const key = this.#name(name);
    if (key === 'set-cookie') this.#cookies = [];
    else this.#values.delete(key);
  }

  getSetCookie(): string[] {
    return [...this.#cookies];
  }

  *entries(): IterableIterator<[string, string]> {
    const names = [...this.#values.keys()];
    if (this.#cookies.length > 0) names.push('set-cookie');
    for (const name of names.sort())
      if (name === 'set-cookie') for (const cookie of this.#cookies) yield [name, cookie];
      else yield [name, this.#values.get(name)!];
  }

  keys(): IterableIterator<string> {
    return Array.from(this.entries(), ([name]) => name).values();
  }

  values(): IterableIterator<string> {
    return Array.from(this.entries(), ([, value]) => value).values();
  }

  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this as unknown as Headers);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** The name of a change, checked; immutable headers refuse it as a fetch Headers does. */
  #name(name: string): string {
    if (this.#immutable) throw new TypeError('Headers: immutable');
    return headerName(name);
  }

  #value(value: string): string {
    const v = String(value).replace(SURROUNDING_SPACE, '');
    if (BAD_VALUE.test(v)) throw new TypeError(`Headers: "${v}" is an invalid header value.`);
    return v;
  }
}
tagAs(AnswerHeaders, 'Headers');

/** Statuses whose answer has no body (Fetch's "null body status"). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
/** An HTTP reason phrase (RFC 9112): tabs, spaces, visible ASCII and obs-text. */
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** WebIDL's `unsigned short`, what a Response's `status` is converted to. */
function unsignedShort(value: unknown): number {
  const n = Math.trunc(Number(value));
  return Number.isFinite(n) ? ((n % 65536) + 65536) % 65536 : 0;
}

/**
 * A fetch Request that holds an answer's body: it takes every body a Response takes (bytes, a Blob,
 * a stream, form data, search params) with the same Body steps (`text`, `json`, `arrayBuffer`,
 * `blob`, `bytes`, `formData`, `body`, `bodyUsed`, `clone`'s tee) and the same default content
 * type. Only built when an answer needs more than its text, so only then is undici loaded.
 */
function bodyHolder(body: Body, contentType: string | null): Request {
  const headers = contentType === null ? undefined : { 'content-type': contentType };
  if (body === null || body === undefined) return new Request('http://light-response.invalid/', { headers });
  return new Request('http://light-response.invalid/', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
}

/** What `new LightResponse` takes from its `init`, checked as a real Response checks it. */
interface Parts {
  status: number;
  statusText: string;
  headers: Init['headers'];
}

function partsOf(init: Init | Response | undefined, hasBody: boolean): Parts {
  const status = init?.status === undefined ? 200 : unsignedShort(init.status);
  if (status < 200 || status > 599) throw new RangeError('init["status"] must be in the range of 200 to 599, inclusive.');
  const statusText = init?.statusText === undefined ? '' : String(init.statusText);
  if (!REASON_PHRASE.test(statusText)) throw new TypeError('Invalid statusText');
  if (hasBody && NULL_BODY_STATUS.has(status)) throw new TypeError(`Response constructor: Invalid response status code ${status}`);
  // A Response given as init lends its headers as a copy: the answers must not share them.
  const headers = isA(init, 'Response') ? new AnswerHeaders((init as Response).headers) : init?.headers;
  return { status, statusText, headers };
}

/**
 * A Response as Hono builds it. A text or empty body stays a string (the cached read, turned into
 * a proxy result without a stream); any other body, and any read of a body as a stream or through
 * the Body methods, goes through a fetch Request that holds it (`bodyHolder`).
 */
export class LightResponse {
  static [Symbol.hasInstance](value: unknown): boolean {
    return (typeof value === 'object' && value !== null && #status in value) || isA(value, 'Response');
  }

  static json(data: unknown, init?: Init): Response {
    const text = JSON.stringify(data) as string | undefined;
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    const headers = new AnswerHeaders(init?.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new LightResponse(text, { status: init?.status, statusText: init?.statusText, headers }) as unknown as Response;
  }

  static error(): Response {
    return LightResponse.#of({ status: 0, statusText: '', headers: undefined }, 'error', true) as unknown as Response;
  }

  static redirect(url: string | URL, status = 302): Response {
    let parsed: URL;
    try {
      parsed = new URL(String(url));
    } catch (cause) {
      throw new TypeError(`Failed to parse URL from ${String(url)}`, { cause });
    }
    const code = unsignedShort(status);
    if (!REDIRECT_STATUS.has(code)) throw new RangeError(`Invalid status code ${code}`);
    return LightResponse.#of({ status: code, statusText: '', headers: { location: parsed.href } }, 'default', true) as unknown as Response;
  }

  /**
   * A bodiless answer as given, unchecked: the statics' and `clone`'s, which a caller cannot build
   * (status 0, headers that refuse changes: `frozen`).
   */
  static #of(parts: Parts, type: Response['type'], frozen: boolean): LightResponse {
    const res = new LightResponse();
    res.#status = parts.status;
    res.#statusText = parts.statusText;
    res.#headers = new AnswerHeaders(parts.headers, frozen);
    res.#type = type;
    res.#frozen = frozen;
    return res;
  }

  #text: string | null = null;
  #holder: Request | undefined;
  #status: number;
  #statusText: string;
  #type: Response['type'] = 'default';
  #frozen = false;
  #headers: Pick<Headers, 'get' | 'has' | 'set'>;

  constructor(body?: Body, init?: Init | Response) {
    const parts = partsOf(init, body !== undefined && body !== null);
    this.#status = parts.status;
    this.#statusText = parts.statusText;
    // A fetch Headers given as init is kept, not copied: Hono builds it for this answer.
    this.#headers = isA(parts.headers, 'Headers') ? (parts.headers as Headers) : new AnswerHeaders(parts.headers);
    let implied: string | null = null;
    if (body === undefined || body === null || typeof body === 'string') {
      this.#text = body ?? null;
      if (this.#text !== null) implied = DEFAULT_TEXT;
    } else {
      this.#holder = bodyHolder(body, this.#headers.get('content-type'));
      // What the holder derived: a Blob's type, a form's boundary.
      implied = this.#holder.headers.get('content-type');
    }
    if (implied !== null && !this.#headers.has('content-type')) this.#headers.set('content-type', implied);
  }

  /** The text body, or null for no body, while nothing has read it; undefined after or for any other body. */
  get lightText(): string | null | undefined {
    return this.#holder === undefined ? this.#text : undefined;
  }

  get status(): number {
    return this.#status;
  }

  get ok(): boolean {
    return this.#status >= 200 && this.#status < 300;
  }

  get statusText(): string {
    return this.#statusText;
  }

  get type(): Response['type'] {
    return this.#type;
  }

  get url(): string {
    return '';
  }

  get redirected(): boolean {
    return false;
  }

  get headers(): Headers {
    return this.#headers as Headers;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.#text === null && this.#holder === undefined ? null : this.#body.body;
  }

  get bodyUsed(): boolean {
    return this.#holder?.bodyUsed ?? false;
  }

  text(): Promise<string> {
    return this.#body.text();
  }

  json(): Promise<unknown> {
    return this.#body.json();
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#body.arrayBuffer();
  }

  bytes(): Promise<Uint8Array> {
    return this.#body.bytes();
  }

  // A Blob's type and the form parser follow the content type as it is now, as in a real Response.
  async blob(): Promise<Blob> {
    return this.#bodyTyped.blob();
  }

  async formData(): Promise<FormData> {
    return this.#bodyTyped.formData();
  }

  clone(): Response {
    const holder = this.#holder;
    if (holder && (holder.bodyUsed || holder.body?.locked)) throw new TypeError('Response.clone: Body has already been consumed.');
    // The copy keeps the guard: the headers of `error()` and `redirect()` stay immutable.
    const copy = LightResponse.#of({ status: this.#status, statusText: this.#statusText, headers: this.headers }, this.#type, this.#frozen);
    // A text body is copied as text (unread, it is the same); any other is teed.
    copy.#text = this.#text;
    if (this.#text === null && holder) copy.#holder = holder.clone();
    return copy as unknown as Response;
  }

  /** The holder of the body, built from the text on the first read of it. */
  get #body(): Request {
    this.#holder ??= bodyHolder(this.#text, this.headers.get('content-type'));
    return this.#holder;
  }

  /** The holder, moved into one with the current content type when the headers changed it. */
  get #bodyTyped(): Request {
    const type = this.headers.get('content-type');
    if (this.#body.headers.get('content-type') !== type) {
      this.#holder = new Request(this.#body, { headers: type === null ? {} : { 'content-type': type } });
    }
    return this.#body;
  }
}
tagAs(LightResponse, 'Response');

/** Header values a fetch Headers refuses (beyond Latin-1) travel percent-encoded, as `handle` does. */
const headerValue = (value: string) => (/[\u0080-\uffff]/.test(value) ? encodeURIComponent(value) : value);

/** The fetch Headers of an event: every value of `multiValueHeaders`, then `headers` for the names not there. */
function headersOf(event: APIGatewayProxyEvent): Headers {
  const headers = new Headers();
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {}))
    for (const v of values ?? []) headers.append(name, headerValue(v));
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value && !headers.has(name)) headers.set(name, headerValue(value));
  return headers;
}

/** What `application/x-www-form-urlencoded` serialising (URLSearchParams) leaves unescaped. */
const FORM_PLAIN = /^[A-Za-z0-9*._-]*$/;

/** `?name=value&…` when no name or value needs escaping (`limit=20`), as URLSearchParams writes it; else undefined. */
function plainSearch(params: Record<string, string | undefined>): string | undefined {
  let search = '';
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (!FORM_PLAIN.test(name) || !FORM_PLAIN.test(value)) return undefined;
    search += `${search === '' ? '?' : '&'}${name}=${value}`;
  }
  return search;
}

/** The query string of an event, `?…` or empty. */
function searchOf(event: APIGatewayProxyEvent): string {
  // Most reads carry no query string: no URLSearchParams for them.
  if (!event.multiValueQueryStringParameters && !event.queryStringParameters) return '';
  if (!event.multiValueQueryStringParameters) {
    const plain = plainSearch(event.queryStringParameters ?? {});
    if (plain !== undefined) return plain;
  }
  const query = new URLSearchParams();
  if (event.multiValueQueryStringParameters) {
    for (const [name, values] of Object.entries(event.multiValueQueryStringParameters)) for (const v of values ?? []) query.append(name, v);
  } else for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) query.append(name, value);
  return query.size > 0 ? `?${query.toString()}` : '';
}

const hostOf = (event: APIGatewayProxyEvent, headers: { get(name: string): string | null }) =>
  event.requestContext?.domainName ?? headers.get('host') ?? 'localhost';

/** The real fetch Request of an API Gateway REST proxy event. */
export function nativeRequestOf(event: APIGatewayProxyEvent): Request {
  const headers = headersOf(event);
  let body: Uint8Array | undefined;
  if (event.body) {
    body = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body);
    headers.set('content-length', String(body.length));
  }
  return new Request(`https://${hostOf(event, headers)}${event.path}${searchOf(event)}`, { method: event.httpMethod, headers, body });
}

/** Values a fetch Headers would refuse or rewrite (control characters, surrounding whitespace): those go the long way. */
const UNUSUAL_VALUE = /[\0\r\n]|^[\t ]|[\t ]$/;

/**
 * The headers of an event, read straight from it while nothing changes or lists them; the first
 * change or listing builds the fetch Headers `nativeRequestOf` would (`headersOf`) and works on that.
 * A fetch Headers validates and copies every header of the event (API Gateway sends 15-30), ~10 µs
 * of a cached read that asks for one or two of them. `@hono/node-server` does the same for
 * `IncomingMessage` headers (its `RequestHeaders`).
 */
class EventHeaders {
  readonly #event: APIGatewayProxyEvent;
  #native: Headers | undefined;

  constructor(event: APIGatewayProxyEvent) {
    this.#event = event;
  }

  get #headers(): Headers {
    this.#native ??= headersOf(this.#event);
    return this.#native;
  }

  /** The value the fetch Headers would hold for `lower`, null for none; undefined if only it can tell. */
  #lookup(lower: string): string | null | undefined {
    if (this.#native || lower === 'set-cookie') return undefined;
    let value: string | null = null;
    const multi = this.#event.multiValueHeaders;
    for (const name in multi)
      if (name.length === lower.length && name.toLowerCase() === lower)
        for (const v of multi[name] ?? []) {
          if (UNUSUAL_VALUE.test(v)) return undefined;
          value = value === null ? headerValue(v) : combined(lower, value, headerValue(v));
        }
    if (value !== null) return value;
    const single = this.#event.headers;
    for (const name in single) {
      const v = single[name];
      // As in `headersOf`, the first spelling of a name with a value counts.
      if (v && name.length === lower.length && name.toLowerCase() === lower) return UNUSUAL_VALUE.test(v) ? undefined : headerValue(v);
    }
    return null;
  }

  get(name: string): string | null {
    const value = TOKEN.test(name) ? this.#lookup(name.toLowerCase()) : undefined;
    return value !== undefined ? value : this.#headers.get(name);
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  /** The fetch Headers these stand for, built on first need. */
  get native(): Headers {
    return this.#headers;
  }
}
// Everything else a Headers does (changes, listings, iteration) works on the real one.
for (const key of ['append', 'delete', 'set', 'getSetCookie', 'keys', 'values', 'entries', 'forEach', Symbol.iterator] as const) {
  Object.defineProperty(EventHeaders.prototype, key, {
    value(this: EventHeaders, ...args: unknown[]) {
      return (this.native[key] as (...a: unknown[]) => unknown).apply(this.native, args);
    },
  });
}
tagAs(EventHeaders, 'Headers');

/** The methods a fetch Request keeps as given; any other goes the long way (normalised or refused there). */
const PLAIN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/**
 * A path and query a fetch Request keeps character for character (no character it would
 * percent-encode, no `.` or `..` segment it would resolve), and a host it keeps as written (a name
 * ending in a letter: no port to drop, no number it would read as an IPv4 address).
 */
const PLAIN_TARGET = /^\/[!$%&-;=?-[\]_a-z~]*$/i;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;
const PLAIN_HOST = /^(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*$/;

/**
 * The Request of a bodiless event: method, URL and headers as the event gives them; the real
 * Request (`nativeRequestOf`) is built on the first use of anything else (a signal, `clone`). It
 * passes for a Request to `instanceof`. Building a fetch Request parses its URL and validates every
 * header, ~20 µs of a cached read; Hono reads the method, the URL as text and a header or two.
 */
class LightRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: EventHeaders;
  readonly #event: APIGatewayProxyEvent;
  #native: Request | undefined;

  constructor(event: APIGatewayProxyEvent, url: string, headers: EventHeaders) {
    this.#event = event;
    this.method = event.httpMethod;
    this.url = url;
    this.headers = headers;
  }

  get native(): Request {
    this.#native ??= nativeRequestOf(this.#event);
    return this.#native;
  }
}
/**
 * What a fetch Request has beyond method, URL and headers, read from the real one: listed rather
 * than read off `Request.prototype`, which would load undici with this module (a test checks the
 * list against Node's).
 */
export const LIGHT_REQUEST_DELEGATES = {
  getters: [
    'destination',
    'referrer',
    'referrerPolicy',
    'mode',
    'credentials',
    'cache',
    'redirect',
    'integrity',
    'keepalive',
    'isReloadNavigation',
    'isHistoryNavigation',
    'signal',
    'body',
    'bodyUsed',
    'duplex',
  ],
  methods: ['clone', 'blob', 'arrayBuffer', 'text', 'json', 'formData', 'bytes'],
} as const;
for (const key of LIGHT_REQUEST_DELEGATES.getters)
  Object.defineProperty(LightRequest.prototype, key, {
    get(this: LightRequest) {
      return (this.native as unknown as Record<string, unknown>)[key];
    },
  });
for (const key of LIGHT_REQUEST_DELEGATES.methods)
  Object.defineProperty(LightRequest.prototype, key, {
    value(this: LightRequest, ...args: unknown[]) {
      return (this.native[key] as (...a: unknown[]) => unknown).apply(this.native, args);
    },
  });
tagAs(LightRequest, 'Request');

/** The fetch Request of an API Gateway REST proxy event: a light one when nothing in it needs the real one. */
export function requestOf(event: APIGatewayProxyEvent): Request {
  if (event.body || !PLAIN_METHODS.has(event.httpMethod)) return nativeRequestOf(event);
  const target = `${event.path}${searchOf(event)}`;
  if (!PLAIN_TARGET.test(target) || DOT_SEGMENT.test(target)) return nativeRequestOf(event);
  const headers = new EventHeaders(event);
  const host = hostOf(event, headers).toLowerCase();
  if (!PLAIN_HOST.test(host)) return nativeRequestOf(event);
  return new LightRequest(event, `https://${host}${target}`, headers) as unknown as Request;
}

/**
 * `hono/aws-lambda`'s rules (`defaultIsContentTypeBinary`, `isContentEncodingBinary`): text and
 * JSON/XML types travel as text, anything else, or any content encoding, as base64. Copied rather
 * than imported: that module's processors are built on import and would weigh on every bundle.
 */
const isBinary = (contentType: string | null, contentEncoding: string | null): boolean =>
  (contentType !== null &&
    (/^application\/vnd\.(?:apple\.installer|mozilla\.xul)\+xml\s*(?:;|$)/i.test(contentType) ||
      !/^text\/(?:plain|html|css|javascript|csv)|(?:\/|\+)(?:json|xml)\s*(?:;|$)/i.test(contentType))) ||
  (!!contentEncoding && !/^identity$/i.test(contentEncoding));

/**
 * The proxy result of an answer, in the header shape of the event: at once for a light text answer
 * (the cached read), after reading the body for any other.
 */
export function resultOf(event: APIGatewayProxyEvent, res: Response): APIGatewayProxyResult | Promise<APIGatewayProxyResult> {
  const binary = isBinary(res.headers.get('content-type'), res.headers.get('content-encoding'));
  const light = res instanceof LightResponse && !binary ? res.lightText : undefined;
  if (light !== undefined) return resultWith(event, res, light ?? '', false);
  return (binary ? res.arrayBuffer().then((b) => Buffer.from(b).toString('base64')) : res.text()).then((body) =>
    resultWith(event, res, body, binary),
  );
}

function resultWith(event: APIGatewayProxyEvent, res: Response, body: string, binary: boolean): APIGatewayProxyResult {
  const cookies = res.headers.getSetCookie();
  const result: APIGatewayProxyResult = { statusCode: res.status, body, isBase64Encoded: binary };
  // Cookies need multiValueHeaders (one header each); then every header goes there, as `handle` does.
  if (event.multiValueHeaders || cookies.length > 0) {
    const multi: Record<string, string[]> = {};
    res.headers.forEach((value, name) => {
      if (name !== 'set-cookie') multi[name] = [value];
    });
    if (cookies.length > 0) multi['set-cookie'] = cookies;
    result.multiValueHeaders = multi;
  } else {
    const single: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      single[name] = value;
    });
    result.headers = single;
  }
  return result;
}

/** An API Gateway REST proxy handler for `app`; Hono's responses are light from the first call on. */
export function apiGatewayHandler(app: Hono) {
  // Installed with the handler, not on import: a process that only serves containers keeps
  // `@hono/node-server`'s own light Response.
  globalThis.Response = LightResponse as unknown as typeof Response;
  return async (event: APIGatewayProxyEvent, lambdaContext: LambdaContext): Promise<APIGatewayProxyResult> =>
    resultOf(event, await app.fetch(requestOf(event), { event, requestContext: event.requestContext, lambdaContext }));
}
