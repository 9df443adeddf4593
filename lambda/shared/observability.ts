import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One logger, metrics and tracer per process. Service name and namespace come from the standard
 * `POWERTOOLS_SERVICE_NAME` and `POWERTOOLS_METRICS_NAMESPACE` variables.
 */
const processLogger = new Logger();
const requestLogger = new AsyncLocalStorage<Logger>();

/**
 * The process's logger, or, inside `withRequestLogger`, that request's child logger. A container
 * serves requests concurrently, so request keys (the correlation id) cannot be appended to one
 * shared instance: another request would log with them, or remove them mid-request.
 */
export const logger: Logger = new Proxy(processLogger, {
  get(target, property) {
    const current = requestLogger.getStore() ?? target;
    const value: unknown = Reflect.get(current, property, current);
    return typeof value === 'function' ? value.bind(current) : value;
  },
});

/** Runs `fn` with `logger` adding `keys` to every line it writes, for this request only. */
export function withRequestLogger<T>(keys: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  return requestLogger.run(processLogger.createChild({ persistentKeys: keys }), fn);
}
export const metrics = new Metrics({ defaultDimensions: { stage: process.env.STAGE ?? 'default' } });
export const tracer = new Tracer({ enabled: process.env.AWS_XRAY_DAEMON_ADDRESS !== undefined });
