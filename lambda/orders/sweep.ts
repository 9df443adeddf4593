import { initOnce } from '#shared/init.js';
import { metrics } from '#shared/observability.js';
import { buildOrderSweep } from './deps.js';

const sweep = initOnce(buildOrderSweep);

/** Scheduled every minute: unpaid orders past their expiry become EXPIRED and give their stock back. */
export async function handler(): Promise<{ expired: number }> {
  try {
    return { expired: await (await sweep())(25) };
  } finally {
    metrics.publishStoredMetrics();
  }
}
