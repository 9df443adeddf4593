import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { AppError, conflict, notFound } from '#shared/errors.js';
import { logger, metrics } from '#shared/observability.js';
import type { RecentWrites } from '#shared/recent-writes.js';
import type { Payment } from './domain.js';
import { PaymentDeclined, type PaymentProvider, ProviderUnavailable } from './provider.js';
import type { JobQueue } from './queue.js';
import { PaymentStore } from './store.js';

export interface PayInput {
  readonly userId: string;
  readonly key: string;
  readonly orderId: string;
  readonly token: string;
}

/** The key the provider deduplicates charges by: the order and the client's Idempotency-Key. */
export const providerIdempotencyKey = (input: Pick<PayInput, 'orderId' | 'key'>): string => `${input.orderId}:${input.key}`;

export interface PayDeps {
  readonly store: PaymentStore;
  readonly provider: PaymentProvider;
  readonly queue: JobQueue;
  /** @default - no read-your-writes marker (orders then reads the order from a replica) */
  readonly recentWrites?: RecentWrites;
}

/**
 * Pays a PENDING order once: charge, record the payment, mark the order PAID and owe the email, in
 * one transaction holding the order's lock. The job then goes to SQS; if that fails, the outbox
 * relay sends it later, so it is never lost.
 */
export function makePay({ store, provider, queue, recentWrites }: PayDeps) {
  return async function pay(input: PayInput): Promise<Payment> {
    const { payment, outboxId, job } = await store.withLockedOrder(input.userId, input.orderId, async (order, tx) => {
      if (!order) throw notFound('ORDER_NOT_FOUND', `No order ${input.orderId}`);
      if (order.status !== 'PENDING') throw conflict('ORDER_NOT_PAYABLE', `Order ${input.orderId} is ${order.status}, not PENDING`);
      let providerRef: string;
      try {
        providerRef = await provider.charge({
          token: input.token,
          amountCents: order.totalCents,
          currency: order.currency,
          // Scoped: the client's key alone is only unique per caller, and the provider sees all of ours.
          idempotencyKey: providerIdempotencyKey(input),
        });
      } catch (err) {
        if (err instanceof PaymentDeclined) {
          metrics.addMetric('PaymentDeclined', MetricUnit.Count, 1);
          logger.info('payment declined', { orderId: input.orderId, amountCents: order.totalCents });
          throw new AppError(402, 'PAYMENT_DECLINED', err.message);
        }
        if (err instanceof ProviderUnavailable) {
          metrics.addMetric('PaymentProviderUnavailable', MetricUnit.Count, 1);
          logger.warn('payment provider unavailable', { orderId: input.orderId, reason: err.message });
          throw new AppError(503, 'PAYMENT_PROVIDER_UNAVAILABLE', `${err.message}; retry with the same Idempotency-Key`);
        }
        throw err;
      }
      const job = { orderId: input.orderId, to: order.email, totalCents: order.totalCents, currency: order.currency, items: order.items };
      const ids = await PaymentStore.recordPaid(
        tx,
        { orderId: input.orderId, status: 'SUCCEEDED', amountCents: order.totalCents, currency: order.currency },
        providerRef,
        job,
      );
      const payment: Payment = {
        paymentId: ids.paymentId,
        orderId: input.orderId,
        status: 'SUCCEEDED',
        amountCents: order.totalCents,
        currency: order.currency,
      };
      return { payment, outboxId: ids.outboxId, job: { ...job, jobId: ids.outboxId } };
    });
    metrics.addMetric('PaymentSucceeded', MetricUnit.Count, 1);
    metrics.addMetric('PaymentAmountCents', MetricUnit.Count, payment.amountCents);
    logger.info('payment charged', {
      orderId: payment.orderId,
      paymentId: payment.paymentId,
      amountCents: payment.amountCents,
      currency: payment.currency,
    });
    await recentWrites?.record(`order:${input.orderId}`, await store.writePosition());
    try {
      await queue.send(job);
      await store.markSent(outboxId);
    } catch (err) {
      // Committed already: the relay will send it. The customer's payment stands.
      logger.warn('confirmation job left in the outbox for the relay', { outboxId, err: (err as Error).message });
    }
    return payment;
  };
}
