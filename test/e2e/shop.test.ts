import { randomUUID } from 'node:crypto';
import { call, loadBalancerUrl, localShape, sentEmails } from './deployed.js';

const email = `e2e-${randomUUID()}@example.com`;
const password = 'correct horse battery';
let token = '';
const auth = () => ({ authorization: `Bearer ${token}` });

async function newOrder(productId: string, quantity = 1) {
  const r = await call('POST', '/orders', { items: [{ productId, quantity }] }, auth());
  expect(r.status).toBe(201);
  return r.body as { orderId: string; totalCents: number };
}

describe('the shop through the deployed API Gateway (local stage on MiniStack)', () => {
  let productId = '';
  let products: Array<{ id: string; stock: number }> = [];

  test('register, then log in', async () => {
    const reg = await call('POST', '/auth/register', { email, password });
    expect(reg.status).toBe(201);
    expect(reg.body.userId).toEqual(expect.any(String));
    const login = await call('POST', '/auth/login', { email, password });
    expect(login.status).toBe(200);
    token = login.body.token;
    expect(token).toEqual(expect.any(String));
  });

  test('list products, get one; the second read is a cache hit', async () => {
    const list = await call('GET', '/products?limit=50');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    // Each run buys a few units (`npm run local` restocks to the seed values): take the best-stocked product.
    products = list.body.items;
    productId = products.reduce((best, p) => (p.stock > best.stock ? p : best)).id;
    await call('GET', `/products/${productId}`);
    const second = await call('GET', `/products/${productId}`);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(productId);
    // MiniStack's HTTP_PROXY integration hands back Content-Type only (apigateway_v1.py,
    // _invoke_http_proxy_v1), so in the container shape the header is read at the ALB, one hop behind.
    // Expired orders of earlier runs give stock back at any moment (the sweep), which drops the
    // product's cached copy, and a task whose Redis call timed out skips Redis for 5 s (its circuit
    // breaker): a hit within a few reads over 8 s is the cache working.
    const base = localShape() === 'containers' ? loadBalancerUrl() : undefined;
    const cacheStates = [second.headers.get('x-cache')];
    for (let i = 0; i < 8 && cacheStates.at(-1)?.toLowerCase() !== 'hit'; i++) {
      if (i > 1) await new Promise((r) => setTimeout(r, 1000));
      cacheStates.push((await call('GET', `/products/${productId}`, undefined, {}, base)).headers.get('x-cache'));
    }
    expect(cacheStates.map((s) => s?.toLowerCase())).toContain('hit');
  });

  test('order, pay, replay with the same key: same payment', async () => {
    const order = await newOrder(productId);
    const key = `e2e-${randomUUID()}`;
    const body = { orderId: order.orderId, paymentMethod: { token: 'tok_visa' } };
    const first = await call('POST', '/payments', body, { ...auth(), 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ orderId: order.orderId, status: 'SUCCEEDED', amountCents: order.totalCents });
    const replay = await call('POST', '/payments', body, { ...auth(), 'idempotency-key': key });
    expect(replay.body.paymentId).toBe(first.body.paymentId);
  });

  test('10 concurrent payments with one key: one charge, order PAID, exactly one email within 30 s', async () => {
    const order = await newOrder(productId);
    const key = `e2e-${randomUUID()}`;
    const body = { orderId: order.orderId, paymentMethod: { token: 'tok_visa' } };
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => call('POST', '/payments', body, { ...auth(), 'idempotency-key': key })),
    );
    const ids = new Set(replies.filter((r) => r.status === 201).map((r) => r.body.paymentId));
    expect(ids.size).toBe(1);
    for (const r of replies) expect([201, 409]).toContain(r.status); // in-flight duplicates may be refused, never charged
    const got = await call('GET', `/orders/${order.orderId}`, undefined, auth());
    expect(got.body.status).toBe('PAID');
    const deadline = Date.now() + 30_000;
    let mine: unknown[] = [];
    while (Date.now() < deadline) {
      mine = (await sentEmails()).filter((m) => JSON.stringify(m).includes(order.orderId));
      if (mine.length > 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    await new Promise((r) => setTimeout(r, 3000)); // a duplicate would arrive right behind the first
    mine = (await sentEmails()).filter((m) => JSON.stringify(m).includes(order.orderId));
    expect(mine).toHaveLength(1);
  });

  test.each([
    ['POST', '/auth/register', 400, { email: 'not-an-email', password }, {}],
    ['POST', '/auth/register', 409, { email, password }, {}],
    ['POST', '/auth/register', 413, { email: 'big@example.com', password: 'x'.repeat(70_000) }, {}],
    ['POST', '/auth/login', 401, { email, password: 'wrong password!' }, {}],
    ['GET', '/products?limit=0', 400, undefined, {}],
    ['GET', '/products/does-not-exist', 404, undefined, {}],
    ['POST', '/orders', 400, { items: [] }, 'auth'],
    ['POST', '/orders', 401, { items: [{ productId: 'x', quantity: 1 }] }, {}],
    ['GET', `/orders/${randomUUID()}`, 404, undefined, 'auth'],
    ['GET', `/orders/${randomUUID()}`, 401, undefined, { authorization: 'Bearer forged.token.value' }],
    ['POST', '/payments', 400, { orderId: randomUUID(), paymentMethod: { token: 'tok_visa' } }, 'auth'],
    ['GET', '/nowhere', 404, undefined, {}],
  ])('%s %s → %i', async (method, path, status, body, headers) => {
    const r = await call(method as string, path as string, body, headers === 'auth' ? auth() : (headers as Record<string, string>));
    expect(r.status).toBe(status);
    // Services and the gateway's own answers (authorizer, validator, unknown route) share one error shape.
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body.error.code).toMatch(/^[A-Z_]+$/);
  });

  test('a declined card: 402 and the order stays PENDING; a paid order is not payable again', async () => {
    const order = await newOrder(productId);
    const declined = await call(
      'POST',
      '/payments',
      { orderId: order.orderId, paymentMethod: { token: 'tok_decline' } },
      { ...auth(), 'idempotency-key': `e2e-${randomUUID()}` },
    );
    expect(declined.status).toBe(402);
    expect(declined.body.error.code).toBe('PAYMENT_DECLINED');
    expect((await call('GET', `/orders/${order.orderId}`, undefined, auth())).body.status).toBe('PENDING');
    await call(
      'POST',
      '/payments',
      { orderId: order.orderId, paymentMethod: { token: 'tok_visa' } },
      { ...auth(), 'idempotency-key': `e2e-${randomUUID()}` },
    );
    const again = await call(
      'POST',
      '/payments',
      { orderId: order.orderId, paymentMethod: { token: 'tok_visa' } },
      { ...auth(), 'idempotency-key': `e2e-${randomUUID()}` },
    );
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ORDER_NOT_PAYABLE');
  });

  test("another user's order is not found, neither to read nor to pay", async () => {
    const order = await newOrder(productId);
    const other = { email: `e2e-${randomUUID()}@example.com`, password };
    expect((await call('POST', '/auth/register', other)).status).toBe(201);
    const otherToken = (await call('POST', '/auth/login', other)).body.token as string;
    const asOther = { authorization: `Bearer ${otherToken}` };
    const read = await call('GET', `/orders/${order.orderId}`, undefined, asOther);
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('ORDER_NOT_FOUND');
    const pay = await call(
      'POST',
      '/payments',
      { orderId: order.orderId, paymentMethod: { token: 'tok_visa' } },
      { ...asOther, 'idempotency-key': `e2e-${randomUUID()}` },
    );
    expect(pay.status).toBe(404);
  });

  test('a provider outage: 503 PAYMENT_PROVIDER_UNAVAILABLE, and a retry with the same key pays once', async () => {
    const order = await newOrder(productId);
    const pay = () =>
      call(
        'POST',
        '/payments',
        { orderId: order.orderId, paymentMethod: { token: 'tok_transient' } },
        { ...auth(), 'idempotency-key': key },
      );
    const key = `e2e-${randomUUID()}`;
    const first = await pay();
    expect(first.status).toBe(503);
    expect(first.body.error.code).toBe('PAYMENT_PROVIDER_UNAVAILABLE');
    // The sandbox fails each key once per process; a retry may land on another Lambda process.
    let retry = await pay();
    for (let i = 0; i < 3 && retry.status === 503; i++) retry = await pay();
    expect(retry.status).toBe(201);
    const replay = await pay();
    expect(replay.body.paymentId).toBe(retry.body.paymentId);
    expect((await call('GET', `/orders/${order.orderId}`, undefined, auth())).body.status).toBe('PAID');
  });

  test('bad input names the field (the gateway\'s validator answers with field "body"); the body is never a stack trace', async () => {
    for (const [path, body, fields] of [
      ['/auth/register', { email: 'not-an-email', password }, ['email', 'body']],
      ['/auth/register', 'not json', ['body']],
    ] as const) {
      const r = await call('POST', path, body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(fields).toContain(r.body.error.details[0].field);
      expect(JSON.stringify(r.body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
    }
  });

  test('more than the stock: 409 INSUFFICIENT_STOCK; one key with another body: 422 IDEMPOTENCY_KEY_REUSED', async () => {
    // 1000 is the most one line may ask for; any product holding fewer cannot fill it.
    const scarce = products.find((p) => p.stock < 1000)!;
    const tooMany = await call('POST', '/orders', { items: [{ productId: scarce.id, quantity: 1000 }] }, auth());
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error.code).toBe('INSUFFICIENT_STOCK');
    const [a, b] = [await newOrder(productId), await newOrder(productId)];
    const key = `e2e-${randomUUID()}`;
    const first = await call(
      'POST',
      '/payments',
      { orderId: a.orderId, paymentMethod: { token: 'tok_visa' } },
      { ...auth(), 'idempotency-key': key },
    );
    expect(first.status).toBe(201);
    const reused = await call(
      'POST',
      '/payments',
      { orderId: b.orderId, paymentMethod: { token: 'tok_visa' } },
      { ...auth(), 'idempotency-key': key },
    );
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});
