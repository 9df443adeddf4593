import type { Database } from '#shared/db.js';
import type { Attempt, AttemptDecision, AttemptStatus, ConfirmationJob, OrderToPay, Payment } from './domain.js';

export interface OutboxRow {
  readonly id: string;
  readonly payload: ConfirmationJob;
  /** Sends tried so far, this one included. */
  readonly attempts: number;
}

export interface AttemptKey {
  readonly userId: string;
  readonly orderId: string;
  readonly key: string;
  readonly fingerprint: string;
}

export interface Begun {
  readonly decision: AttemptDecision;
  /** The payment this request charges for or replays (absent when refused). */
  readonly payment?: Payment;
}

export type Completed =
  | { readonly kind: 'paid'; readonly payment: Payment; readonly job?: ConfirmationJob }
  /** The order expired while the charge ran (only past the hold): the charge must be given back. */
  | { readonly kind: 'order-gone' };

/**
 * How long starting a charge holds the order past its expiry at least: well past the provider's
 * deadline, so the sweep cannot give the stock back while a charge for it may still land.
 */
export const PAYMENT_HOLD_SECONDS = 60;

interface PaymentRow {
  id: string;
  order_id: string;
  status: AttemptStatus;
  amount_cents: number;
  currency: string;
}
const toPayment = (r: PaymentRow): Payment => ({
  paymentId: r.id,
  orderId: r.order_id,
  status: 'SUCCEEDED',
  amountCents: r.amount_cents,
  currency: r.currency.trim(),
});

/** Orders, payments and the outbox in PostgreSQL (always the primary: this is the write path). */
export class PaymentStore {
  constructor(private readonly db: Database) {}

  /**
   * Holding the order's row lock briefly (never across the provider call): reads the order and the
   * attempts, lets `decide` rule, and for a new charge records the PENDING attempt (its id is the
   * paymentId) and holds the order for PAYMENT_HOLD_SECONDS at least.
   */
  async begin(
    k: AttemptKey,
    decide: (order: OrderToPay | undefined, own: Attempt | undefined, otherInFlight: boolean) => AttemptDecision,
  ): Promise<Begun> {
    return this.db.transaction(async (tx) => {
      const order = await tx.query<OrderToPay & { total_cents: number; currency: string }>(
        `SELECT status, expires_at <= now() AS lapsed, total_cents, currency FROM orders WHERE id = $1 AND user_id = $2 FOR UPDATE`,
        [k.orderId, k.userId],
      );
      const attempts = await tx.query<PaymentRow & { idempotency_key: string | null; request_fingerprint: string | null }>(
        'SELECT id, order_id, status, amount_cents, currency, idempotency_key, request_fingerprint FROM payments WHERE order_id = $1',
        [k.orderId],
      );
      const ownRow = attempts.rows.find((a) => a.idempotency_key === k.key);
      const own = ownRow && { paymentId: ownRow.id, status: ownRow.status, fingerprint: ownRow.request_fingerprint ?? '' };
      const otherInFlight = attempts.rows.some((a) => a !== ownRow && a.status === 'PENDING');
      const o = order.rows[0];
      const decision = decide(o && { status: o.status, lapsed: o.lapsed }, own, otherInFlight);
      if (decision.kind === 'replay') return { decision, payment: toPayment(ownRow!) };
      if (decision.kind === 'not-payable' && decision.abandon) {
        await tx.query("UPDATE payments SET status = 'ABANDONED', updated_at = now() WHERE id = $1 AND status = 'PENDING'", [
          decision.abandon,
        ]);
      }
      if (decision.kind !== 'charge') return { decision };
      let row = ownRow;
      if (!row) {
        const inserted = await tx.query<PaymentRow>(
          `INSERT INTO payments (order_id, status, amount_cents, currency, idempotency_key, request_fingerprint)
           VALUES ($1, 'PENDING', $2, $3, $4, $5) RETURNING id, order_id, status, amount_cents, currency`,
          [k.orderId, o.total_cents, o.currency, k.key, k.fingerprint],
        );
        row = { ...inserted.rows[0], idempotency_key: k.key, request_fingerprint: k.fingerprint };
      }
      await tx.query('UPDATE orders SET expires_at = greatest(expires_at, now() + make_interval(secs => $2)) WHERE id = $1', [
        k.orderId,
        PAYMENT_HOLD_SECONDS,
      ]);
      return { decision, payment: toPayment(row) };
    });
  }

  /**
   * The provider declined: the attempt's final answer (a replay with its key gets the decline again),
   * and the order's hold ends: it keeps its reservation, no longer.
   */
  async declined(paymentId: string): Promise<void> {
    await this.db.primary((q) =>
      q.query(
        `WITH p AS (UPDATE payments SET status = 'DECLINED', updated_at = now() WHERE id = $1 AND status = 'PENDING' RETURNING order_id)
         UPDATE orders o SET expires_at = o.reserved_until FROM p WHERE o.id = p.order_id`,
        [paymentId],
      ),
    );
  }

  /**
   * In one transaction holding the order's lock: the payment SUCCEEDED, the order PAID, and the
   * email owed (outbox). Idempotent: an attempt already completed (a concurrent retry of the same
   * key) returns the payment without a second job.
   */
  async complete(paymentId: string, providerRef: string): Promise<Completed> {
    return this.db.transaction(async (tx) => {
      // The order's lock first, as `begin` and the sweep take it: no lock-order deadlock with them.
      await tx.query('SELECT 1 FROM orders WHERE id = (SELECT order_id FROM payments WHERE id = $1) FOR UPDATE', [paymentId]);
      const { rows } = await tx.query<PaymentRow & { order_status: string; email: string }>(
        `SELECT p.id, p.order_id, p.status, p.amount_cents, p.currency, o.status AS order_status, u.email
           FROM payments p JOIN orders o ON o.id = p.order_id JOIN users u ON u.id = o.user_id
          WHERE p.id = $1 FOR UPDATE OF p`,
        [paymentId],
      );
      const p = rows[0];
      if (p.status === 'SUCCEEDED') return { kind: 'paid', payment: toPayment(p) };
      if (p.order_status !== 'PENDING' || p.status !== 'PENDING') {
        await tx.query("UPDATE payments SET status = 'ABANDONED', provider_ref = $2, updated_at = now() WHERE id = $1", [
          paymentId,
          providerRef,
        ]);
        return { kind: 'order-gone' };
      }
      const items = await tx.query<{ name: string; quantity: number; unitPriceCents: number }>(
        `SELECT pr.name, i.quantity, i.unit_price_cents AS "unitPriceCents" FROM order_items i JOIN products pr ON pr.id = i.product_id
          WHERE i.order_id = $1 ORDER BY pr.name`,
        [p.order_id],
      );
      await tx.query("UPDATE payments SET status = 'SUCCEEDED', provider_ref = $2, updated_at = now() WHERE id = $1", [
        paymentId,
        providerRef,
      ]);
      await tx.query("UPDATE orders SET status = 'PAID', updated_at = now() WHERE id = $1", [p.order_id]);
      const payment = toPayment(p);
      const job = { orderId: p.order_id, to: p.email, totalCents: payment.amountCents, currency: payment.currency, items: items.rows };
      const o = await tx.query<{ id: string }>("INSERT INTO outbox (kind, payload) VALUES ('order-confirmation', $1) RETURNING id", [job]);
      return { kind: 'paid', payment, job: { ...job, jobId: o.rows[0].id } };
    });
  }

  /**
   * Claims up to `limit` outbox rows due for the relay (oldest first; rows other relays hold are
   * skipped) and leases them for `leaseSeconds`, in one committed statement: each row is then sent
   * and marked on its own, so a crash mid-batch re-sends only the row in hand.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<OutboxRow[]> {
    const { rows } = await this.db.writer.query<{ id: string; payload: Omit<ConfirmationJob, 'jobId'>; attempts: number }>(
      `WITH due AS (
         SELECT id FROM outbox WHERE sent_at IS NULL AND relay_after <= now() ORDER BY relay_after LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE outbox o SET relay_after = now() + make_interval(secs => $2), attempts = o.attempts + 1
         FROM due WHERE o.id = due.id RETURNING o.id, o.payload, o.attempts`,
      [limit, leaseSeconds],
    );
    return rows.map((r) => ({ id: r.id, payload: { ...r.payload, jobId: r.id }, attempts: r.attempts }));
  }

  /** A send the queue refused: the row waits `retryAfterSeconds` (growing with its attempts) and says why. */
  async sendFailed(outboxId: string, error: string, retryAfterSeconds: number): Promise<void> {
    await this.db.writer.query(
      'UPDATE outbox SET relay_after = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1 AND sent_at IS NULL',
      [outboxId, retryAfterSeconds, error.slice(0, 500)],
    );
  }

  async markSent(outboxId: string): Promise<void> {
    await this.db.primary((q) => q.query('UPDATE outbox SET sent_at = now() WHERE id = $1 AND sent_at IS NULL', [outboxId]));
  }

  writePosition(): Promise<string> {
    return this.db.writePosition();
  }
}
