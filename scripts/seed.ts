import pg from 'pg';
import { RedisCatalogInvalidation } from '../lambda/shared/catalog-cache.js';
import { positionOf } from '../lambda/shared/db.js';
import { connectRedis, createRedis } from '../lambda/shared/redis.js';
import { LOCAL_DB, ensureLocalDatabase } from './local-env.js';

/** The demo catalog: `[sku, name, description, priceCents, stock]`. */
export const DEMO_PRODUCTS: ReadonlyArray<readonly [string, string, string, number, number]> = [
  ['SF-001', 'Espresso cup', 'Porcelain, 90 ml, stacks by six', 900, 120],
  ['SF-002', 'Pour-over kettle', 'Gooseneck, 1 l, stainless steel', 4900, 35],
  ['SF-003', 'Burr grinder', 'Conical burrs, 40 grind settings', 12900, 20],
  ['SF-004', 'Coffee scale', '0.1 g resolution with a timer', 2900, 60],
  ['SF-005', 'Paper filters', 'Pack of 100, unbleached', 600, 500],
  ['SF-006', 'French press', '8 cups, borosilicate glass', 3400, 40],
  ['SF-007', 'Milk jug', '350 ml, for latte art', 1800, 75],
  ['SF-008', 'Tamper', '58 mm, walnut handle', 2600, 30],
  ['SF-009', 'Knock box', 'Rubber bar, dishwasher safe', 2100, 45],
  ['SF-010', 'Cold brew jar', '1.5 l with a fine mesh filter', 2700, 50],
  ['SF-011', 'Travel mug', 'Vacuum insulated, 350 ml', 2400, 90],
  ['SF-012', 'Tea infuser', 'Stainless mesh with a lid', 1100, 150],
  ['SF-013', 'Teapot', 'Cast iron, 0.8 l', 5600, 15],
  ['SF-014', 'Matcha whisk', 'Bamboo, 100 prongs', 1500, 60],
  ['SF-015', 'Tea tin', 'Airtight, 150 g', 900, 200],
  ['SF-016', 'Coaster set', 'Cork, set of six', 1200, 80],
  ['SF-017', 'Serving tray', 'Oak, 40 x 28 cm', 3900, 25],
  ['SF-018', 'Cleaning tablets', 'For espresso machines, 60 pieces', 1400, 110],
  ['SF-019', 'Descaler', 'Citric acid based, 500 ml', 1300, 95],
  ['SF-020', 'Barista apron', 'Waxed canvas, leather straps', 4500, 18],
  ['SF-021', 'Dripper', 'Ceramic cone, size 02', 2300, 55],
  ['SF-022', 'Sugar bowl', 'Stoneware with a spoon', 1600, 70],
  ['SF-023', 'Espresso machine', 'Single boiler, PID controlled', 69900, 5],
  ['SF-024', 'Gift card', 'Fifty dollars of coffee things', 5000, 1000],
];

/**
 * Loads the demo catalog. Idempotent: products are keyed by SKU, and every run puts their text, price
 * and stock back to the values above, so the demo (and each e2e run) starts from a known catalog
 * however many units earlier runs ordered. Demo data only: `npm run local` seeds the local stage,
 * no other stage is seeded. `main` then invalidates the products' cache keys.
 */
export async function seed(client: pg.ClientBase): Promise<string[]> {
  const ids: string[] = [];
  for (const [sku, name, description, priceCents, stock] of DEMO_PRODUCTS) {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO products (sku, name, description, price_cents, currency, stock)
       VALUES ($1, $2, $3, $4, 'USD', $5)
       ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
         price_cents = EXCLUDED.price_cents, stock = EXCLUDED.stock, updated_at = now()
       RETURNING id`,
      [sku, name, description, priceCents, stock],
    );
    ids.push(rows[0].id);
  }
  return ids;
}

async function main(): Promise<void> {
  await ensureLocalDatabase();
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: LOCAL_DB });
  await client.connect();
  const redis = await connectRedis(
    createRedis({ host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379), tls: false }),
  );
  try {
    const ids = await seed(client);
    await new RedisCatalogInvalidation(redis).productsChanged(ids, () => positionOf(client));
    // New products belong on pages no product key names yet: the seed (the only thing that adds
    // products) drops every cached page. Unprefixed keys, as the services use them.
    for await (const keys of redis.scanStream({ match: 'catalog:page:*', count: 500 })) if (keys.length) await redis.del(...keys);
    console.log(`seeded ${ids.length} products into ${LOCAL_DB}`);
  } finally {
    redis.disconnect();
    await client.end();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}
