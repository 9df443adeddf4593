import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '#shared/observability.js';
import type { JobQueue } from './queue.js';
import type { PaymentStore } from './store.js';

/** Rows one run claims; each is sent and marked on its own. */
export const RELAY_BATCH = 100;
/** A claimed row is the claimer's for this long (a relay that dies mid-batch frees its rows then). */
export const RELAY_LEASE_SECONDS = 120;
/** Per-send deadline. */
const SEND_TIMEOUT_MS = 5_000;
/** A refused row waits 30 s, 60 s, 120 s ... up to an hour before the next try. */
export const retryAfterSeconds = (attempts: number): number => Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));

export interface RelayResult {
  readonly relayed: number;
  readonly failed: number;
}

/**
 * Sends the confirmation jobs whose send failed after their commit, row by row: a row the queue
 * refuses is marked and retried later with back-off, and the rows behind it go out; a row sent is
 * marked sent at once, so it is not sent again; a row is only taken once the payment that wrote it
 * had its own chance to send it (`relay_after`), so the two do not race.
 */
export function makeRelay(store: PaymentStore, queue: JobQueue) {
  return async function relay(): Promise<RelayResult> {
    const rows = await store.claimDue(RELAY_BATCH, RELAY_LEASE_SECONDS);
    let relayed = 0;
    let failed = 0;
    for (const row of rows) {
      try {
        await queue.send(row.payload, AbortSignal.timeout(SEND_TIMEOUT_MS));
      } catch (err) {
        failed++;
        await store.sendFailed(row.id, (err as Error).message, retryAfterSeconds(row.attempts));
        logger.warn('outbox row refused by the queue; retried later', { outboxId: row.id, err: (err as Error).message });
        continue;
      }
      await store.markSent(row.id);
      relayed++;
    }
    // Any relayed row means a send failed after its commit: worth a metric (and an alarm if it persists).
    metrics.addMetric('OutboxRelayed', MetricUnit.Count, relayed);
    metrics.addMetric('OutboxRelayFailed', MetricUnit.Count, failed);
    if (relayed + failed > 0) logger.info('outbox relayed', { relayed, failed });
    return { relayed, failed };
  };
}
