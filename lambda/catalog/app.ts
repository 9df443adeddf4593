import { AppError } from '#shared/errors.js';
import { pageKey, productKey } from '#shared/catalog-cache.js';
import { addHealth } from '#shared/health.js';
import { createApp, parse } from '#shared/http.js';
import type { Context } from 'hono';
import type { CacheResult, ReadThroughCache } from './cache.js';
import { listProductsQuerySchema } from '../../contract/catalog.js';
import { decodeCursor, isProductId, toPage } from './domain.js';
import type { ProductRepository } from './products.js';

export interface CatalogDeps {
  readonly products: ProductRepository;
  readonly cache: ReadThroughCache;
  readonly ping: () => Promise<unknown>;
}

/**
 * The cached JSON as is when there is one (no parse and serialise per request), else the value;
 * `x-cache` says which. The header is added to the answer's own headers (as the shared middleware
 * adds its own): through `c.header()` Hono would build a fetch Headers for it.
 */
function answer(c: Context, result: CacheResult<unknown>): Response {
  const res = result.json !== undefined ? c.body(result.json, 200, { 'content-type': 'application/json' }) : c.json(result.value);
  res.headers.set('x-cache', result.hit ? 'hit' : 'miss');
  return res;
}

export function catalogApp({ products, cache, ping }: CatalogDeps) {
  const app = createApp();
  // Redis is not a dependency of health: the catalog answers without it.
  addHealth(app, { database: ping });

  app.get('/products', async (c) => {
    const { limit, cursor } = parse(listProductsQuerySchema, c.req.query());
    const afterId = cursor ? decodeCursor(cursor) : undefined;
    // One Redis round trip for a page: its key follows from the request alone.
    const result = await cache.get(pageKey(limit, afterId), async (from) => {
      const { value: rows, position } = await products.list(afterId, limit + 1, from);
      const page = toPage(rows, limit);
      return { value: page, position, productIds: page.items.map((p) => p.id), indexed: true };
    });
    return answer(c, result);
  });

  app.get('/products/:id', async (c) => {
    // One product, one cache key, whatever the letter case of the request.
    const id = c.req.param('id').toLowerCase();
    if (!isProductId(id)) throw new AppError('PRODUCT_NOT_FOUND', `No product ${id}`);
    const result = await cache.get(productKey(id), async (from) => {
      const { value: product, position } = await products.get(id, from);
      return { value: product ?? null, position, productIds: [id], indexed: false };
    });
    // A product known to be missing is cached as null.
    if (result.json === 'null' || (result.json === undefined && !result.value)) throw new AppError('PRODUCT_NOT_FOUND', `No product ${id}`);
    return answer(c, result);
  });
  return app;
}
