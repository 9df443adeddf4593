import { createHash } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { AppError } from '#shared/errors.js';
import { logger, metrics } from '#shared/observability.js';
import { orderEntity, type RecentWrites } from '#shared/recent-writes.js';
import { HOPS, timed } from '#shared/server-timing.js';
import { decideAttempt, type Payment } from './domain.js';
import { PaymentDeclined, type PaymentProvider, ProviderUnavailable } from './provider.js';
import type { JobQueue } from './queue.js';
import type { PaymentStore } from './store.js';

export interface PayInput {
  readonly userId: string;
  readonly key: string;
  readonly orderId: string;
  readonly token: string;
}

/** The key the provider deduplicates charges by: the order and the client's Idempotency-Key. */
export const providerIdempotencyKey = (input: Pick<PayInput, 'orderId' | 'key'>): string => `${input.orderId}:${input.key}`;

/** Longest wait for the provider; well inside the function's timeout and the order's hold (PAYMENT_HOLD_SECONDS). */
export const PROVIDER_TIMEOUT_MS = 5_000;
/** Longest wait for SQS after the commit; past it the outbox relay sends the job. */
export const QUEUE_TIMEOUT_MS = 2_000;

export interface PayDeps {
  readonly store: PaymentStore;
  readonly provider: PaymentProvider;
  readonly queue: JobQueue;
  /** @default - no read-your-writes marker (orders then reads the order from a replica) */
  readonly recentWrites?: RecentWrites;
  /** @default PROVIDER_TIMEOUT_MS */
  readonly providerTimeoutMs?: number;
}

/** A body's fingerprint: the same key with another payment method is another request (422). */
const fingerprintOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

const isDeadline = (err: unknown): boolean => err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');

/**
 * Pays a PENDING order once. 1: record the attempt (keyed by order and Idempotency-Key) under the
 * order's lock, briefly. 2: charge, outside any transaction and with a deadline, under a provider key
 * derived from the same pair. 3: complete in one transaction (payment, order PAID, outbox). 4: after
 * the commit, the marker and the queue send, neither of which can fail the payment. A crash at any
 * point leaves a state the retry with the same key resumes from: nothing recorded (charge anew), an
 * attempt (charge again under the same provider key, which returns the first charge), a completed
 * payment (returned as is). The job is never lost: the relay sends what step 4 did not.
 */
export function makePay({ store, provider, queue, recentWrites, providerTimeoutMs = PROVIDER_TIMEOUT_MS }: PayDeps) {
  return async function pay(input: PayInput): Promise<Payment> {
    const fingerprint = fingerprintOf(input.token);
    const begun = await store.begin({ ...input, fingerprint }, (order, own, other) => decideAttempt(order, own, other, fingerprint));
    const { decision } = begun;
    switch (decision.kind) {
      case 'not-found':
        throw new AppError('ORDER_NOT_FOUND', `No order ${input.orderId}`);
      case 'key-reused':
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with another request body');
      case 'replay':
        return begun.payment!;
      case 'declined':
        throw new AppError('PAYMENT_DECLINED', 'The card was declined');
      case 'not-payable':
        throw new AppError('ORDER_NOT_PAYABLE', `Order ${input.orderId} ${decision.why}`);
      case 'charge':
        break;
    }
    const attempt = begun.payment!;
    let providerRef: string;
    try {
      providerRef = await timed(HOPS.provider, 'charge', () =>
        provider.charge(
          {
            token: input.token,
            amountCents: attempt.amountCents,
            currency: attempt.currency,
            // Scoped: the client's key alone is only unique per caller, and the provider sees all of ours.
            idempotencyKey: providerIdempotencyKey(input),
          },
          AbortSignal.timeout(providerTimeoutMs),
        ),
      );
    } catch (err) {
      if (err instanceof PaymentDeclined) {
        await store.declined(attempt.paymentId);
        metrics.addMetric('PaymentDeclined', MetricUnit.Count, 1);
        logger.info('payment declined', { orderId: input.orderId, amountCents: attempt.amountCents });
        throw new AppError('PAYMENT_DECLINED', err.message);
      }
      if (err instanceof ProviderUnavailable || isDeadline(err)) {
        // The outcome is unknown: the attempt stays PENDING, and the retry with this key resumes it.
        metrics.addMetric('PaymentProviderUnavailable', MetricUnit.Count, 1);
        logger.warn('payment provider unavailable', { orderId: input.orderId, reason: (err as Error).message });
        throw new AppError('PAYMENT_PROVIDER_UNAVAILABLE', 'The payment provider did not answer; retry with the same Idempotency-Key');
      }
      throw err;
    }
    const completed = await store.complete(attempt.paymentId, providerRef);
    if (completed.kind === 'order-gone') {
      // Only when the charge outlived the hold: the stock is gone, so the money goes back.
      metrics.addMetric('PaymentRefunded', MetricUnit.Count, 1);
      logger.error('charge landed after its order expired; refunding', { orderId: input.orderId, paymentId: attempt.paymentId });
      await timed(HOPS.provider, 'refund', () => provider.refund(providerRef));
      throw new AppError('ORDER_NOT_PAYABLE', `Order ${input.orderId} expired while it was being paid; the charge was refunded`);
    }
    const { payment, job } = completed;
    metrics.addMetric('PaymentSucceeded', MetricUnit.Count, 1);
    metrics.addMetric('PaymentAmountCents', MetricUnit.Count, payment.amountCents);
    logger.info('payment charged', {
      orderId: payment.orderId,
      paymentId: payment.paymentId,
      amountCents: payment.amountCents,
      currency: payment.currency,
    });
    await recentWrites?.record(orderEntity(input.orderId), () => store.writePosition());
    if (job) {
      try {
        await queue.send(job, AbortSignal.timeout(QUEUE_TIMEOUT_MS));
        await store.markSent(job.jobId);
      } catch (err) {
        // Committed already: the relay will send it. The customer's payment stands.
        logger.warn('confirmation job left in the outbox for the relay', { outboxId: job.jobId, err: (err as Error).message });
      }
    }
    return payment;
  };
}
