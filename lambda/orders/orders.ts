import type { Database, Queryable, ReadSource } from '#shared/db.js';
import type { Order, OrderLine, PricedProduct, PricingOutcome } from './domain.js';

export interface OrderRepository {
  /**
   * Locks the products, lets `decide` price the order, then decrements stock and inserts the order,
   * all in one transaction on the primary.
   */
  create(
    userId: string,
    productIds: readonly string[],
    decide: (products: ReadonlyMap<string, PricedProduct>) => PricingOutcome,
  ): Promise<{ outcome: PricingOutcome; order?: Order }>;
  /**
   * The caller's order, from a replica that has replayed `after` (a WAL position) or from the
   * primary; `'primary'` skips the replicas, `undefined` takes any replica.
   */
  get(userId: string, orderId: string, after: string | undefined | 'primary'): Promise<{ order?: Order; readFrom: ReadSource }>;
  /** The primary's current WAL position: a replica at or past it has every write made so far. */
  writePosition(): Promise<string>;
}

async function loadOrder(q: Queryable, userId: string, orderId: string): Promise<Order | undefined> {
  const { rows } = await q.query<{ id: string; status: Order['status']; total_cents: number; currency: string }>(
    'SELECT id, status, total_cents, currency FROM orders WHERE id = $1 AND user_id = $2',
    [orderId, userId],
  );
  if (!rows[0]) return undefined;
  const items = await q.query<OrderLine>(
    'SELECT product_id AS "productId", quantity, unit_price_cents AS "unitPriceCents" FROM order_items WHERE order_id = $1 ORDER BY product_id',
    [orderId],
  );
  return {
    orderId: rows[0].id,
    status: rows[0].status,
    totalCents: rows[0].total_cents,
    currency: rows[0].currency.trim(),
    items: items.rows,
  };
}

export function pgOrders(db: Database): OrderRepository {
  return {
    async create(userId, productIds, decide) {
      return db.transaction(async (tx) => {
        // FOR UPDATE in id order: concurrent orders of the same products queue instead of overselling.
        const { rows } = await tx.query<PricedProduct>(
          'SELECT id, price_cents AS "priceCents", currency, stock FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
          [productIds],
        );
        const outcome = decide(new Map(rows.map((p) => [p.id, { ...p, currency: p.currency.trim() }])));
        if (!outcome.ok) return { outcome };
        const o = outcome;
        const inserted = await tx.query<{ id: string }>(
          'INSERT INTO orders (user_id, total_cents, currency) VALUES ($1, $2, $3) RETURNING id',
          [userId, o.totalCents, o.currency],
        );
        const orderId = inserted.rows[0].id;
        for (const line of o.lines) {
          await tx.query('UPDATE products SET stock = stock - $2, updated_at = now() WHERE id = $1', [line.productId, line.quantity]);
          await tx.query('INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES ($1, $2, $3, $4)', [
            orderId,
            line.productId,
            line.quantity,
            line.unitPriceCents,
          ]);
        }
        return { outcome, order: { orderId, status: 'PENDING' as const, totalCents: o.totalCents, currency: o.currency, items: o.lines } };
      });
    },
    async get(userId, orderId, after) {
      if (after === 'primary') return { order: await loadOrder(db.writer, userId, orderId), readFrom: 'primary' };
      return db.read(async (q, readFrom) => ({ order: await loadOrder(q, userId, orderId), readFrom }), { caughtUpTo: after });
    },
    async writePosition() {
      return (await db.writer.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
    },
  };
}
