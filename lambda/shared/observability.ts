import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** Keys of the request being served (its correlation id), for every line logged while it runs. */
const requestKeys = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/**
 * Powertools' logger, adding the current request's keys to each line it writes. A container serves
 * requests concurrently, so request keys cannot be appended to the one shared instance (another
 * request would log with them, or remove them mid-request); a child logger per request gives each
 * its own, but building one (option parsing, environment reads, deep merges) cost more than the
 * request itself. Here the request carries only its keys, and a line looks them up when written.
 */
class RequestAwareLogger extends Logger {
  protected override processLogItem(logLevel: number, input: LogItemMessage, extraInput: LogItemExtraInput): void {
    const keys = requestKeys.getStore();
    super.processLogItem(logLevel, input, keys === undefined ? extraInput : ([...extraInput, keys] as LogItemExtraInput));
  }
}

/**
 * One logger per process. Service name and namespace come from the standard
 * `POWERTOOLS_SERVICE_NAME` and `POWERTOOLS_METRICS_NAMESPACE` variables.
 */
export const logger: Logger = new RequestAwareLogger();

/** Runs `fn` with `logger` adding `keys` to every line it writes, for this request only. */
export function withRequestLogger<T>(keys: Readonly<Record<string, string>>, fn: () => Promise<T>): Promise<T> {
  return requestKeys.run(keys, fn);
}

export const metrics = new Metrics({ defaultDimensions: { stage: process.env.STAGE ?? 'default' } });

const counts = new Map<string, number>();

/**
 * Counts one event (a cache hit) in memory; `publishMetrics` emits each count as one value. Adding
 * a metric value per request made Powertools serialise and print an EMF document every hundred
 * requests; the Sum CloudWatch shows is the same.
 */
export function countMetric(name: string, by = 1): void {
  counts.set(name, (counts.get(name) ?? 0) + by);
}

/** Emits the counts and every stored metric (end of an invocation, or the container's flush). */
export function publishMetrics(): void {
  for (const [name, value] of counts) metrics.addMetric(name, MetricUnit.Count, value);
  counts.clear();
  metrics.publishStoredMetrics();
}
