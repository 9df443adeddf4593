import pg from 'pg';
import { migrate, readMigrations } from '../../lambda/migrate/migrations.js';
import { DEMO_PRODUCTS, seed } from '../../scripts/seed.js';
import { dropDatabase, MIGRATIONS_DIR, PG } from '../support/postgres.js';

/** The deploy-time runner on an empty database of its own: order, idempotency, concurrent deploys. */
const name = `storefront_migrate_${process.env.TEST_RUN_ID ?? Date.now()}`;
const connect = async () => {
  const c = new pg.Client({ ...PG, database: name });
  await c.connect();
  return c;
};

beforeAll(async () => {
  const admin = new pg.Client({ ...PG, database: 'postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
});
afterAll(() => dropDatabase(name));

test('two concurrent runners apply every migration once, in order; a third applies nothing', async () => {
  const migrations = readMigrations(MIGRATIONS_DIR);
  expect(migrations.map((m) => m.name)).toEqual([...migrations.map((m) => m.name)].sort());
  const [a, b] = await Promise.all([connect(), connect()]);
  const applied = await Promise.all([migrate(a, migrations), migrate(b, migrations)]);
  expect([...applied[0], ...applied[1]]).toEqual(migrations.map((m) => m.name));
  expect(await migrate(a, migrations)).toEqual([]);
  const { rows } = await a.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY applied_at, name');
  expect(rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name));
  await Promise.all([a.end(), b.end()]);
});

test('constraints hold: stock >= 0, quantity > 0, a known status', async () => {
  const c = await connect();
  try {
    await expect(c.query("INSERT INTO products (sku, name, price_cents, stock) VALUES ('neg', 'x', 1, -1)")).rejects.toThrow(/check/i);
    const check = (
      await c.query<{ def: string }>(
        "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid IN ('orders'::regclass, 'order_items'::regclass) AND contype = 'c'",
      )
    ).rows
      .map((r) => r.def)
      .join(' ');
    expect(check).toContain('quantity > 0');
    expect(check).toMatch(/PENDING.*PAID/);
  } finally {
    await c.end();
  }
});

test('the seed loads at least 20 products with stock, is idempotent and restocks to the seed values', async () => {
  const c = await connect();
  try {
    const first = await seed(c);
    await c.query('UPDATE products SET stock = 0'); // what many e2e runs' orders would do
    const second = await seed(c);
    expect(second).toEqual(first);
    const stock = (await c.query<{ sku: string; stock: number }>('SELECT sku, stock FROM products ORDER BY sku')).rows;
    expect(stock).toEqual([...DEMO_PRODUCTS].sort((a, b) => a[0].localeCompare(b[0])).map(([sku, , , , s]) => ({ sku, stock: s })));
    const { rows } = await c.query<{ n: number; stocked: number }>(
      'SELECT count(*)::int AS n, count(*) FILTER (WHERE stock > 0)::int AS stocked FROM products',
    );
    expect(rows[0]).toEqual({ n: DEMO_PRODUCTS.length, stocked: DEMO_PRODUCTS.length });
    expect(DEMO_PRODUCTS.length).toBeGreaterThanOrEqual(20);
  } finally {
    await c.end();
  }
});
