import type { Database } from '#shared/db.js';
import type { Product } from './domain.js';

/** Products in PostgreSQL, read from a replica. */
export interface ProductRepository {
  get(id: string): Promise<Product | undefined>;
  /** `limit` rows after `afterId` in id order. */
  list(afterId: string | undefined, limit: number): Promise<Product[]>;
}

const COLUMNS = 'id, name, description, price_cents AS "priceCents", currency, stock';

export function pgProducts(db: Database): ProductRepository {
  return {
    async get(id) {
      return db.read(async (q) => (await q.query<Product>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [id])).rows[0]);
    },
    async list(afterId, limit) {
      return db.read(
        async (q) =>
          (
            await q.query<Product>(`SELECT ${COLUMNS} FROM products WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`, [
              afterId ?? null,
              limit,
            ])
          ).rows,
      );
    },
  };
}
