import type { PoolClient } from 'pg';
import type { Database } from '#shared/db.js';
import type { ConfirmationJob, Payment } from './domain.js';

export interface PayableOrder {
  readonly status: 'PENDING' | 'PAID';
  readonly totalCents: number;
  readonly currency: string;
  readonly email: string;
  readonly items: ConfirmationJob['items'];
}

export interface OutboxRow {
  readonly id: string;
  readonly payload: ConfirmationJob;
}

/** Orders, payments and the outbox in PostgreSQL (always the primary: this is the write path). */
export class PaymentStore {
  constructor(private readonly db: Database) {}

  /**
   * Runs `pay` holding the order's row lock, so two different keys for one order cannot both
   * charge; `pay` gets the order (or undefined when it is not the caller's) and returns the payment
   * to record, or throws to roll everything back.
   */
  async withLockedOrder<T>(
    userId: string,
    orderId: string,
    pay: (order: PayableOrder | undefined, tx: PoolClient) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ status: 'PENDING' | 'PAID'; total_cents: number; currency: string; email: string }>(
        `SELECT o.status, o.total_cents, o.currency, u.email FROM orders o JOIN users u ON u.id = o.user_id
          WHERE o.id = $1 AND o.user_id = $2 FOR UPDATE OF o`,
        [orderId, userId],
      );
      if (!rows[0]) return pay(undefined, tx);
      const items = await tx.query<{ name: string; quantity: number; unitPriceCents: number }>(
        `SELECT p.name, i.quantity, i.unit_price_cents AS "unitPriceCents" FROM order_items i JOIN products p ON p.id = i.product_id
          WHERE i.order_id = $1 ORDER BY p.name`,
        [orderId],
      );
      const o = rows[0];
      return pay({ status: o.status, totalCents: o.total_cents, currency: o.currency.trim(), email: o.email, items: items.rows }, tx);
    });
  }

  /** In the caller's transaction: the payment, the order PAID, and the email owed (outbox). */
  static async recordPaid(
    tx: PoolClient,
    payment: Omit<Payment, 'paymentId'>,
    providerRef: string,
    job: Omit<ConfirmationJob, 'jobId'>,
  ): Promise<{ paymentId: string; outboxId: string }> {
    const p = await tx.query<{ id: string }>(
      "INSERT INTO payments (order_id, status, amount_cents, currency, provider_ref) VALUES ($1, 'SUCCEEDED', $2, $3, $4) RETURNING id",
      [payment.orderId, payment.amountCents, payment.currency, providerRef],
    );
    await tx.query("UPDATE orders SET status = 'PAID', updated_at = now() WHERE id = $1 AND status = 'PENDING'", [payment.orderId]);
    const o = await tx.query<{ id: string }>("INSERT INTO outbox (kind, payload) VALUES ('order-confirmation', $1) RETURNING id", [job]);
    return { paymentId: p.rows[0].id, outboxId: o.rows[0].id };
  }

  /** Outbox rows not yet on the queue, oldest first, locked so concurrent relays skip them. */
  async relayUnsent(limit: number, send: (row: OutboxRow) => Promise<void>): Promise<number> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string; payload: Omit<ConfirmationJob, 'jobId'> }>(
        'SELECT id, payload FROM outbox WHERE sent_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED',
        [limit],
      );
      for (const row of rows) {
        await send({ id: row.id, payload: { ...row.payload, jobId: row.id } });
        await tx.query('UPDATE outbox SET sent_at = now() WHERE id = $1', [row.id]);
      }
      return rows.length;
    });
  }

  async markSent(outboxId: string): Promise<void> {
    await this.db.writer.query('UPDATE outbox SET sent_at = now() WHERE id = $1 AND sent_at IS NULL', [outboxId]);
  }

  async writePosition(): Promise<string> {
    return (await this.db.writer.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
  }
}
