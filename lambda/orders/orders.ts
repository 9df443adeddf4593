import type { Database, Queryable, ReadSource } from '#shared/db.js';
import { type Order, type OrderLine, type OrderStatus, type PricedProduct, type PricingOutcome, visibleStatus } from './domain.js';

export interface NewOrder {
  readonly userId: string;
  readonly productIds: readonly string[];
  /** The client's Idempotency-Key and the fingerprint of the request body it came with. */
  readonly idempotency?: { readonly key: string; readonly fingerprint: string };
  readonly reservationTtlSeconds: number;
}

export type CreateResult =
  | { readonly kind: 'created'; readonly order: Order }
  /** The key was seen before with the same body: the first order, nothing reserved again. */
  | { readonly kind: 'replayed'; readonly order: Order }
  | { readonly kind: 'key-reused' }
  | { readonly kind: 'refused'; readonly outcome: Exclude<PricingOutcome, { ok: true }> };

export interface OrderRepository {
  /**
   * In one transaction on the primary, serialised per user: returns the order an Idempotency-Key
   * already made; else counts the user's open orders, locks the products, lets `decide` price the
   * order, then takes the stock and inserts the order and its items (one statement each).
   */
  create(
    input: NewOrder,
    decide: (products: ReadonlyMap<string, PricedProduct>, openOrders: number) => PricingOutcome,
  ): Promise<CreateResult>;
  /**
   * The caller's order, from a replica that has replayed `after` (a WAL position) or from the
   * primary; `'primary'` skips the replicas, `undefined` takes any replica. A replica's copy is final
   * only when the order is PAID or EXPIRED, states it never leaves; a missing or PENDING copy may be
   * behind a write whose read-your-writes marker was lost, so the primary confirms it: no order just
   * created reads as a 404, no order just paid as PENDING.
   */
  get(userId: string, orderId: string, after: string | undefined | 'primary'): Promise<{ order?: Order; readFrom: ReadSource }>;
  /**
   * Marks up to `limit` unpaid orders past their expiry EXPIRED and gives their stock back, in one
   * transaction. An order is claimed once (`FOR UPDATE SKIP LOCKED` on PENDING rows only), so its
   * stock comes back once, whoever sweeps; one being paid (row locked) is skipped.
   */
  expireDue(limit: number): Promise<{ orderIds: string[]; productIds: string[] }>;
  /** The primary's current WAL position. */
  writePosition(): Promise<string>;
}

/** The order, and whether it is settled (PAID or EXPIRED in the table: no write changes it again). */
async function loadOrder(q: Queryable, userId: string, orderId: string): Promise<{ order?: Order; settled: boolean }> {
  const { rows } = await q.query<{ id: string; status: OrderStatus; total_cents: number; currency: string; expires_at: Date }>(
    'SELECT id, status, total_cents, currency, expires_at FROM orders WHERE id = $1 AND user_id = $2',
    [orderId, userId],
  );
  if (!rows[0]) return { settled: false };
  const items = await q.query<OrderLine>(
    'SELECT product_id AS "productId", quantity, unit_price_cents AS "unitPriceCents" FROM order_items WHERE order_id = $1 ORDER BY product_id',
    [orderId],
  );
  const order: Order = {
    orderId: rows[0].id,
    status: visibleStatus(rows[0].status, rows[0].expires_at, new Date()),
    totalCents: rows[0].total_cents,
    currency: rows[0].currency.trim(),
    items: items.rows,
    expiresAt: rows[0].expires_at.toISOString(),
  };
  return { order, settled: rows[0].status !== 'PENDING' };
}

export function pgOrders(db: Database): OrderRepository {
  return {
    async create(input, decide) {
      return db.transaction(async (tx): Promise<CreateResult> => {
        // One user's orders queue behind each other: the open-order cap and the Idempotency-Key
        // lookup both need to see the order a concurrent request of the same user is creating.
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`orders:${input.userId}`]);
        if (input.idempotency) {
          const { rows } = await tx.query<{ id: string; request_fingerprint: string }>(
            'SELECT id, request_fingerprint FROM orders WHERE user_id = $1 AND idempotency_key = $2',
            [input.userId, input.idempotency.key],
          );
          if (rows[0] && rows[0].request_fingerprint !== input.idempotency.fingerprint) return { kind: 'key-reused' };
          if (rows[0]) return { kind: 'replayed', order: (await loadOrder(tx, input.userId, rows[0].id)).order! };
        }
        const open = await tx.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM orders WHERE user_id = $1 AND status = 'PENDING' AND expires_at > now()",
          [input.userId],
        );
        // FOR UPDATE in id order: concurrent orders of the same products queue instead of overselling.
        const { rows } = await tx.query<PricedProduct>(
          'SELECT id, price_cents AS "priceCents", currency, stock FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
          [input.productIds],
        );
        const outcome = decide(new Map(rows.map((p) => [p.id, { ...p, currency: p.currency.trim() }])), open.rows[0].n);
        if (!outcome.ok) return { kind: 'refused', outcome };
        const inserted = await tx.query<{ id: string; expires_at: Date }>(
          `INSERT INTO orders (user_id, total_cents, currency, expires_at, reserved_until, idempotency_key, request_fingerprint)
           VALUES ($1, $2, $3, now() + make_interval(secs => $4), now() + make_interval(secs => $4), $5, $6) RETURNING id, expires_at`,
          [
            input.userId,
            outcome.totalCents,
            outcome.currency,
            input.reservationTtlSeconds,
            input.idempotency?.key ?? null,
            input.idempotency?.fingerprint ?? null,
          ],
        );
        const orderId = inserted.rows[0].id;
        const ids = outcome.lines.map((l) => l.productId);
        const quantities = outcome.lines.map((l) => l.quantity);
        await tx.query(
          `UPDATE products p SET stock = p.stock - l.quantity, updated_at = now()
             FROM unnest($1::uuid[], $2::int[]) AS l(id, quantity) WHERE p.id = l.id`,
          [ids, quantities],
        );
        await tx.query(
          `INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
           SELECT $1, l.id, l.quantity, l.price FROM unnest($2::uuid[], $3::int[], $4::int[]) AS l(id, quantity, price)`,
          [orderId, ids, quantities, outcome.lines.map((l) => l.unitPriceCents)],
        );
        return {
          kind: 'created',
          order: {
            orderId,
            status: 'PENDING',
            totalCents: outcome.totalCents,
            currency: outcome.currency,
            items: [...outcome.lines].sort((a, b) => (a.productId < b.productId ? -1 : 1)),
            expiresAt: inserted.rows[0].expires_at.toISOString(),
          },
        };
      });
    },
    async get(userId, orderId, after) {
      const fromPrimary = async () => ({ order: (await loadOrder(db.writer, userId, orderId)).order, readFrom: 'primary' as const });
      if (after === 'primary') return fromPrimary();
      const read = await db.read(async (q, readFrom) => ({ ...(await loadOrder(q, userId, orderId)), readFrom }), { caughtUpTo: after });
      if (read.readFrom === 'primary' || read.settled) return { order: read.order, readFrom: read.readFrom };
      return fromPrimary();
    },
    async expireDue(limit) {
      return db.transaction(async (tx) => {
        const expired = await tx.query<{ id: string }>(
          `WITH due AS (
             SELECT id FROM orders WHERE status = 'PENDING' AND expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           UPDATE orders o SET status = 'EXPIRED', updated_at = now() FROM due WHERE o.id = due.id RETURNING o.id`,
          [limit],
        );
        const orderIds = expired.rows.map((r) => r.id);
        if (orderIds.length === 0) return { orderIds, productIds: [] };
        // Products locked in id order first, as order creation locks them: no deadlock between the two.
        await tx.query(
          'SELECT id FROM products WHERE id IN (SELECT product_id FROM order_items WHERE order_id = ANY($1::uuid[])) ORDER BY id FOR UPDATE',
          [orderIds],
        );
        const returned = await tx.query<{ id: string }>(
          `UPDATE products p SET stock = p.stock + r.quantity, updated_at = now()
             FROM (SELECT product_id, sum(quantity)::int AS quantity FROM order_items WHERE order_id = ANY($1::uuid[]) GROUP BY product_id) r
            WHERE p.id = r.product_id RETURNING p.id`,
          [orderIds],
        );
        return { orderIds, productIds: returned.rows.map((r) => r.id) };
      });
    },
    writePosition: () => db.writePosition(),
  };
}
