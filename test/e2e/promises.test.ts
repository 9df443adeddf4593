import { randomUUID } from 'node:crypto';
import { call, ownProduct, stockOnPrimary } from './deployed.js';

/**
 * Issue 9 through the deployed API Gateway (local stage: reservations of 60 s, 5 open orders per
 * user): the gateway passes what the services decide (Idempotency-Key on orders, the login model),
 * and the shop keeps its promises end to end.
 */
const password = 'correct horse battery';

async function signedIn(): Promise<Record<string, string>> {
  const email = `e2e-promises-${randomUUID()}@example.com`;
  expect((await call('POST', '/auth/register', { email, password })).status).toBe(201);
  const login = await call('POST', '/auth/login', { email, password });
  expect(login.status).toBe(200);
  return { authorization: `Bearer ${login.body.token}` };
}

async function bestStocked(): Promise<{ id: string; stock: number }> {
  const list = await call('GET', '/products?limit=50');
  expect(list.status).toBe(200);
  const items = list.body.items as Array<{ id: string; stock: number }>;
  return items.reduce((best, p) => (p.stock > best.stock ? p : best));
}

describe('promises under retries and limits (deployed local stage)', () => {
  test('login checks presence only: a short wrong password is 401 through the gateway, not a 400', async () => {
    const email = `e2e-promises-${randomUUID()}@example.com`;
    await call('POST', '/auth/register', { email, password });
    const res = await call('POST', '/auth/login', { email, password: 'x' });
    expect([res.status, res.body.error.code]).toEqual([401, 'INVALID_CREDENTIALS']);
  });

  test('POST /orders with an Idempotency-Key, sent twice: one order, stock taken once', async () => {
    const auth = await signedIn();
    const productId = await ownProduct(10);
    const key = `e2e-${randomUUID()}`;
    const body = { items: [{ productId, quantity: 2 }] };
    const first = await call('POST', '/orders', body, { ...auth, 'idempotency-key': key });
    const retry = await call('POST', '/orders', body, { ...auth, 'idempotency-key': key });
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body.orderId).toBe(first.body.orderId);
    expect(await stockOnPrimary(productId)).toBe(8);
  });

  test('the sixth open order of one user is 409 TOO_MANY_OPEN_ORDERS', async () => {
    const auth = await signedIn();
    const product = await bestStocked();
    for (let i = 0; i < 5; i++)
      expect((await call('POST', '/orders', { items: [{ productId: product.id, quantity: 1 }] }, auth)).status).toBe(201);
    const sixth = await call('POST', '/orders', { items: [{ productId: product.id, quantity: 1 }] }, auth);
    expect([sixth.status, sixth.body.error.code]).toEqual([409, 'TOO_MANY_OPEN_ORDERS']);
  });

  test('an unpaid order expires after 60 s: EXPIRED, not payable, and its stock is back', async () => {
    const auth = await signedIn();
    const productId = await ownProduct(10);
    const created = await call('POST', '/orders', { items: [{ productId, quantity: 3 }] }, auth);
    expect(created.status).toBe(201);
    expect(await stockOnPrimary(productId)).toBe(7);
    await new Promise((r) => setTimeout(r, 61_000));
    expect((await call('GET', `/orders/${created.body.orderId}`, undefined, auth)).body.status).toBe('EXPIRED');
    const pay = await call(
      'POST',
      '/payments',
      { orderId: created.body.orderId, paymentMethod: { token: 'tok_visa' } },
      { ...auth, 'idempotency-key': `e2e-${randomUUID()}` },
    );
    expect([pay.status, pay.body.error.code]).toEqual([409, 'ORDER_NOT_PAYABLE']);
    // The scheduled sweep, or the next order's own sweep, gives the stock back (once).
    const next = await call('POST', '/orders', { items: [{ productId, quantity: 1 }] }, await signedIn());
    expect(next.status).toBe(201);
    expect(await stockOnPrimary(productId)).toBe(9);
  }, 120_000);
});
