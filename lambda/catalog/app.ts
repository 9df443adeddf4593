import { notFound } from '#shared/errors.js';
import { PAGES_VERSION_KEY, pageKey, productKey } from '#shared/catalog-cache.js';
import { addHealth } from '#shared/health.js';
import { createApp, parse } from '#shared/http.js';
import type { Context } from 'hono';
import type { CacheResult, ReadThroughCache } from './cache.js';
import { decodeCursor, isProductId, listQuerySchema, toPage } from './domain.js';
import type { ProductRepository } from './products.js';

export interface CatalogDeps {
  readonly products: ProductRepository;
  readonly cache: ReadThroughCache;
  readonly ping: () => Promise<unknown>;
}

/** The cached JSON as is when there is one (no parse and serialise per request), else the value. */
const answer = (c: Context, result: CacheResult<unknown>) =>
  result.json !== undefined ? c.body(result.json, 200, { 'content-type': 'application/json' }) : c.json(result.value);

export function catalogApp({ products, cache, ping }: CatalogDeps) {
  const app = createApp();
  // Redis is not a dependency of health: the catalog answers without it.
  addHealth(app, { database: ping });

  app.get('/products', async (c) => {
    const { limit, cursor } = parse(listQuerySchema, c.req.query());
    const version = await cache.version(PAGES_VERSION_KEY);
    const key = pageKey(version, limit, cursor);
    const page = await cache.get(key, async () => toPage(await products.list(cursor ? decodeCursor(cursor) : undefined, limit + 1), limit));
    c.header('x-cache', page.hit ? 'hit' : 'miss');
    return answer(c, page);
  });

  app.get('/products/:id', async (c) => {
    // One product, one cache key, whatever the letter case of the request.
    const id = c.req.param('id').toLowerCase();
    if (!isProductId(id)) throw notFound('PRODUCT_NOT_FOUND', `No product ${id}`);
    const product = await cache.get(productKey(id), async () => (await products.get(id)) ?? null);
    // A product known to be missing is cached as null.
    if (product.json === 'null' || (product.json === undefined && !product.value)) throw notFound('PRODUCT_NOT_FOUND', `No product ${id}`);
    c.header('x-cache', product.hit ? 'hit' : 'miss');
    return answer(c, product);
  });
  return app;
}
