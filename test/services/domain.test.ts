import { credentialsSchema } from '../../contract/auth';
import { listProductsQuerySchema } from '../../contract/catalog';
import { newOrderSchema } from '../../contract/orders';
import { decodeCursor, encodeCursor, isProductId, toPage, type Product } from '../../lambda/catalog/domain';
import { priceOrder, type PricedProduct } from '../../lambda/orders/domain';
import { ConfigError, dbEnv, loadEnv } from '../../lambda/shared/env';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../lambda/shared/passwords';
import { bearerToken, tokenIssuer, TOKEN_TTL_SECONDS } from '../../lambda/shared/tokens';

/** Pure rules: no database, no Redis, no AWS, no mocks. */
const ID = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const product = (n: number): Product => ({ id: ID(n), name: `P${n}`, description: '', priceCents: 100 * n, currency: 'USD', stock: n });

describe('auth credentials', () => {
  test('lower-cases the email and accepts an 8-character password', () => {
    expect(credentialsSchema.parse({ email: 'Ann@Example.COM', password: '12345678' })).toEqual({
      email: 'ann@example.com',
      password: '12345678',
    });
  });
  test('names each bad field', () => {
    const r = credentialsSchema.safeParse({ email: 'nope', password: 'short' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['email', 'password']);
  });
});

describe('catalog paging', () => {
  test('a cursor round-trips and anything else is refused', () => {
    expect(decodeCursor(encodeCursor(ID(7)))).toBe(ID(7));
    expect(encodeCursor(ID(7))).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(decodeCursor('not-a-cursor')).toBeUndefined();
    expect(decodeCursor(`${encodeCursor(ID(7))}=`)).toBeUndefined();
  });
  test('limit defaults to 20 and must lie in 1..100', () => {
    expect(listProductsQuerySchema.parse({})).toEqual({ limit: 20 });
    for (const limit of ['0', '101', '2.5', 'ten']) expect(listProductsQuerySchema.safeParse({ limit }).success).toBe(false);
    expect(listProductsQuerySchema.safeParse({ cursor: 'garbage' }).success).toBe(false);
  });
  test('the extra row only says there is a next page', () => {
    const rows = [1, 2, 3].map(product);
    expect(toPage(rows, 2)).toEqual({ items: rows.slice(0, 2), nextCursor: encodeCursor(ID(2)) });
    expect(toPage(rows, 3)).toEqual({ items: rows, nextCursor: null });
  });
  test('product ids are UUIDs', () => {
    expect(isProductId(ID(1))).toBe(true);
    expect(isProductId('1; DROP TABLE products')).toBe(false);
  });
});

describe('orders', () => {
  const stock = new Map<string, PricedProduct>([
    [ID(1), { id: ID(1), priceCents: 250, currency: 'USD', stock: 5 }],
    [ID(2), { id: ID(2), priceCents: 1000, currency: 'USD', stock: 1 }],
    [ID(3), { id: ID(3), priceCents: 1000, currency: 'EUR', stock: 9 }],
  ]);
  test('refuses empty items, non-positive or fractional quantities, naming the field', () => {
    const fields = (body: unknown) => newOrderSchema.safeParse(body).error?.issues.map((i) => i.path.join('.'));
    expect(fields({ items: [] })).toEqual(['items']);
    expect(fields({ items: [{ productId: ID(1), quantity: 0 }] })).toEqual(['items.0.quantity']);
    expect(fields({ items: [{ productId: ID(1), quantity: 1.5 }] })).toEqual(['items.0.quantity']);
  });
  test('the request lower-cases product ids, and a product listed twice is one line with the quantities summed', () => {
    const id = 'abcdef00-0000-4000-8000-00000000000a';
    expect(newOrderSchema.parse({ items: [{ productId: id.toUpperCase(), quantity: 1 }] }).items[0].productId).toBe(id);
    const twice = newOrderSchema.parse({
      items: [
        { productId: id, quantity: 1 },
        { productId: ID(1), quantity: 3 },
        { productId: id.toUpperCase(), quantity: 2 },
      ],
    });
    expect(twice.items).toEqual([
      { productId: id, quantity: 3 },
      { productId: ID(1), quantity: 3 },
    ]);
  });
  test('prices the lines at the current price', () => {
    const r = priceOrder(
      {
        items: [
          { productId: ID(1), quantity: 4 },
          { productId: ID(2), quantity: 1 },
        ],
      },
      stock,
    );
    expect(r).toEqual({
      ok: true,
      totalCents: 2000,
      currency: 'USD',
      lines: [
        { productId: ID(1), quantity: 4, unitPriceCents: 250 },
        { productId: ID(2), quantity: 1, unitPriceCents: 1000 },
      ],
    });
  });
  test('a total past what total_cents holds (2^31 - 1) is refused; exactly that much is priced', () => {
    const big = new Map<string, PricedProduct>(
      [ID(4), ID(5), ID(6)].map((id) => [id, { id, priceCents: 1_000_000_000, currency: 'USD', stock: 5 }]),
    );
    const items = [ID(4), ID(5), ID(6)].map((productId) => ({ productId, quantity: 1 }));
    expect(priceOrder({ items }, big)).toEqual({ ok: false, reason: 'TOTAL_TOO_LARGE' });
    const exact = new Map<string, PricedProduct>([[ID(7), { id: ID(7), priceCents: 2 ** 31 - 1, currency: 'USD', stock: 1 }]]);
    expect(priceOrder({ items: [{ productId: ID(7), quantity: 1 }] }, exact)).toMatchObject({ ok: true, totalCents: 2 ** 31 - 1 });
  });
  test('an unknown product, too little stock and mixed currencies are refused with the product at fault', () => {
    expect(priceOrder({ items: [{ productId: ID(9), quantity: 1 }] }, stock)).toEqual({
      ok: false,
      reason: 'PRODUCT_NOT_FOUND',
      productId: ID(9),
    });
    expect(priceOrder({ items: [{ productId: ID(2), quantity: 2 }] }, stock)).toEqual({
      ok: false,
      reason: 'INSUFFICIENT_STOCK',
      productId: ID(2),
    });
    expect(
      priceOrder(
        {
          items: [
            { productId: ID(1), quantity: 1 },
            { productId: ID(3), quantity: 1 },
          ],
        },
        stock,
      ),
    ).toEqual({ ok: false, reason: 'MIXED_CURRENCY', productId: ID(3) });
  });
});

describe('configuration', () => {
  test('one line per missing or malformed variable', () => {
    expect(() => loadEnv(dbEnv, { DB_PORT: 'x', DB_SSL: 'maybe' })).toThrow(ConfigError);
    try {
      loadEnv(dbEnv, { DB_PORT: 'x' });
    } catch (err) {
      const message = (err as Error).message;
      for (const line of ['DB_WRITER_HOST is not set', 'DB_NAME is not set', 'DB_SECRET_ARN is not set', 'DB_PORT:'])
        expect(message).toContain(line);
    }
  });
  test('defaults apply', () => {
    expect(loadEnv(dbEnv, { DB_WRITER_HOST: 'h', DB_NAME: 'n', DB_SECRET_ARN: 'arn' })).toMatchObject({ DB_PORT: 5432, DB_SSL: 'require' });
  });
});

describe('tokens and passwords', () => {
  const key = async () => 'a-signing-key-of-some-length-0123456789';
  test('a token verifies to its user until it expires, and not with another key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const issuer = tokenIssuer(key, () => now);
    const { token, expiresIn } = await issuer.issue('user-1');
    expect(expiresIn).toBe(TOKEN_TTL_SECONDS);
    expect(await issuer.verify(token)).toBe('user-1');
    expect(await tokenIssuer(async () => 'another-key-0123456789-0123456789').verify(token)).toBeUndefined();
    // The verifier checks expiry against the wall clock: a token issued an hour and a second ago is refused.
    const old = await tokenIssuer(key, () => now - TOKEN_TTL_SECONDS - 1).issue('user-1');
    expect(await issuer.verify(old.token)).toBeUndefined();
    expect(await issuer.verify(`${token}x`)).toBeUndefined();
  });
  test('a signing key that cannot be read is a fault, not an invalid token', async () => {
    const { token } = await tokenIssuer(key).issue('user-1');
    const unreachable = tokenIssuer(async () => {
      throw new Error('Secrets Manager unreachable');
    });
    await expect(unreachable.verify(token)).rejects.toThrow('Secrets Manager unreachable');
  });
  test('bearer header parsing', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
  test('the dummy hash for unknown emails costs what a real one does: same scheme, parameters and length', async () => {
    const [scheme, n, r, p, salt, hash] = (await hashPassword('any password at all')).split('$');
    const dummy = DUMMY_HASH.split('$');
    expect(dummy.slice(0, 4)).toEqual([scheme, n, r, p]);
    expect([Buffer.from(dummy[4], 'base64').length, Buffer.from(dummy[5], 'base64').length]).toEqual([
      Buffer.from(salt, 'base64').length,
      Buffer.from(hash, 'base64').length,
    ]);
    expect(await verifyPassword('any password at all', DUMMY_HASH)).toBe(false);
  });
  test('scrypt hashes are salted and verify only the right password', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse'), hashPassword('correct horse')]);
    expect(a).not.toBe(b);
    expect(a.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('wrong horse', a)).toBe(false);
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
  });
});
