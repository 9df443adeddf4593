import { type Database, positionOf, type Queryable, type ReadSource } from '#shared/db.js';
import type { Product } from './domain.js';

/** Where a read may go: any replica (or the primary when none answers), or the primary only. */
export type ReadFrom = 'any' | 'primary';

/** What was read, and a WAL position it is at least as new as (so a cache can tell it from older data). */
export interface Positioned<T> {
  readonly value: T;
  readonly position: string;
}

/** Products in PostgreSQL, read from a replica unless the caller needs the primary. */
export interface ProductRepository {
  get(id: string, from?: ReadFrom): Promise<Positioned<Product | undefined>>;
  /** `limit` rows after `afterId` in id order. */
  list(afterId: string | undefined, limit: number, from?: ReadFrom): Promise<Positioned<Product[]>>;
}

const COLUMNS = 'id, name, description, price_cents AS "priceCents", currency, stock';

export function pgProducts(db: Database): ProductRepository {
  const read = <T>(from: ReadFrom, fn: (q: Queryable) => Promise<T>): Promise<Positioned<T>> => {
    // The position first, then the data, on one connection: replay only moves forward.
    const run = async (q: Queryable) => {
      const position = await positionOf(q);
      return { position, value: await fn(q) };
    };
    return from === 'primary' ? db.primary(run) : db.read((q: Queryable, _from: ReadSource) => run(q));
  };
  return {
    get(id, from = 'any') {
      return read(from, async (q) => (await q.query<Product>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [id])).rows[0]);
    },
    list(afterId, limit, from = 'any') {
      return read(
        from,
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
