import { randomUUID } from 'node:crypto';
import { call, sentEmails } from './deployed.js';

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
    expect(second.headers.get('x-cache')?.toLowerCase()).toBe('hit');
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
    ['POST', '/auth/register', { email: 'not-an-email', password }, {}, 400],
    ['POST', '/auth/login', { email, password: 'wrong password!' }, {}, 401],
    ['GET', '/products?limit=0', undefined, {}, 400],
    ['GET', '/products/does-not-exist', undefined, {}, 404],
    ['POST', '/orders', { items: [] }, 'auth', 400],
    ['POST', '/orders', { items: [{ productId: 'x', quantity: 1 }] }, {}, 401],
    ['GET', `/orders/${randomUUID()}`, undefined, 'auth', 404],
    ['POST', '/payments', { orderId: randomUUID(), paymentMethod: { token: 'tok_visa' } }, 'auth', 400],
    ['GET', '/nowhere', undefined, {}, 404],
  ])('%s %s → %s', async (method, path, body, headers, status) => {
    const r = await call(method as string, path as string, body, headers === 'auth' ? auth() : (headers as Record<string, string>));
    expect(r.status).toBe(status);
    if (typeof r.body === 'object') expect(r.body.error?.code ?? r.body.message).toBeTruthy();
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
