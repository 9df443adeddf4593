import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Journey } from './server-timing.js';

/**
 * What the request being served carries through its async work: its keys (the correlation id), for
 * every line logged while it runs, and the journey its hops report into (`Server-Timing`). One
 * AsyncLocalStorage for both: on Node 20 each instance adds its own work to every promise created.
 */
interface RequestScope {
  readonly keys: Readonly<Record<string, string>>;
  readonly journey?: Journey;
}
const requestScope = new AsyncLocalStorage<RequestScope>();
const CONCURRENT = process.env.AWS_LAMBDA_MAX_CONCURRENCY !== undefined;

/**
 * Powertools' logger, adding the current request's keys to each line it writes. A container serves
 * requests concurrently, so request keys cannot be appended to the one shared instance (another
 * request would log with them, or remove them mid-request); a child logger per request gives each
 * its own, but building one (option parsing, environment reads, deep merges) cost more than the
 * request itself. Here the request carries only its keys, and a line looks them up when written.
 */
class RequestAwareLogger extends Logger {
  // Not a #private field: Powertools' constructor may call setLogLevel (sampling) before those exist.
  private rememberedLevel: number | undefined;

  /**
   * `level`, remembered until the next `setLogLevel` (sampling goes through it too): reading
   * `level` asks the environment each time whether invocations run concurrently (~2 µs). When they
   * do (`AWS_LAMBDA_MAX_CONCURRENCY`), the level can differ per invocation and is read each time.
   */
  get steadyLevel(): number {
    if (CONCURRENT) return this.level;
    this.rememberedLevel ??= this.level;
    return this.rememberedLevel;
  }

  override setLogLevel(logLevel: Parameters<Logger['setLogLevel']>[0]): void {
    super.setLogLevel(logLevel);
    this.rememberedLevel = undefined;
  }

  protected override processLogItem(logLevel: number, input: LogItemMessage, extraInput: LogItemExtraInput): void {
    const keys = requestScope.getStore()?.keys;
    super.processLogItem(logLevel, input, keys === undefined ? extraInput : ([...extraInput, keys] as LogItemExtraInput));
  }
}

/**
 * One logger per process. Service name and namespace come from the standard
 * `POWERTOOLS_SERVICE_NAME` and `POWERTOOLS_METRICS_NAMESPACE` variables.
 */
export const logger = new RequestAwareLogger();

const SERVICE = process.env.POWERTOOLS_SERVICE_NAME ?? 'service_undefined';
const SAMPLING_RATE = Number(process.env.POWERTOOLS_LOGGER_SAMPLE_RATE ?? 0);
/** Powertools' numeric INFO level. */
const INFO = 12;

/** What the access line says of a request, after the fields every Powertools line starts with. */
export interface AccessFields {
  readonly correlationId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
}

const ACCESS_HEAD = '{"level":"INFO","message":"request","timestamp":"';
/** Only the Lambda runtime sets a trace id (per invocation); elsewhere reading the environment per request is waste. */
const TRACED = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
const ACCESS_SERVICE = `","service":${JSON.stringify(SERVICE)},"sampling_rate":${SAMPLING_RATE}`;

/** The current second as ISO text up to its milliseconds (`2026-12-02T03:05:12.`), remade once a second. */
let isoSecond = -1;
let isoPrefix = '';

/** `new Date(now).toISOString()`, from the second's text and the milliseconds: formatting a Date was half the line's cost. */
export function isoAt(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return `${isoPrefix}${String(now - second * 1000).padStart(3, '0')}Z`;
}

/**
 * The one access-log line per request, at INFO, in the shape of Powertools' lines (level, message,
 * timestamp, service, sampling_rate, xray_trace_id, then the fields), written straight to stdout as
 * Powertools writes. Hand-written for this one line: through the Logger it cost ~16 µs (a LogItem,
 * attribute merges, a JSON.stringify driven by a replacer, a Console), the largest single cost of a
 * cached read; built as text it costs ~2 µs. It follows the logger's level, so
 * `POWERTOOLS_LOG_LEVEL=WARN` mutes it.
 */
export function logAccess(fields: AccessFields): void {
  if (logger.steadyLevel > INFO) return;
  const trace = TRACED ? process.env._X_AMZN_TRACE_ID : undefined;
  const root = trace === undefined ? undefined : /Root=([^;]+)/.exec(trace)?.[1];
  writeLine(
    `${ACCESS_HEAD}${isoAt(Date.now())}${ACCESS_SERVICE}${root === undefined ? '' : `,"xray_trace_id":${JSON.stringify(root)}`}` +
      `,"correlationId":${JSON.stringify(fields.correlationId)},"method":${JSON.stringify(fields.method)}` +
      `,"path":${JSON.stringify(fields.path)},"status":${fields.status},"durationMs":${fields.durationMs}}\n`,
  );
}

/** Lines held until `publishMetrics` (`holdLinesUntilPublish`). */
let held: string | undefined;

/**
 * Until the next `publishMetrics` (the end of a Lambda invocation), the access line waits, and
 * leaves with the metrics in one write: a write to stdout is a system call, ~1.5 µs each. The
 * Lambda entry asks for it; a container writes each line as it comes.
 */
export function holdLinesUntilPublish(): void {
  held ??= '';
}

function writeLine(line: string): void {
  if (held === undefined) process.stdout.write(line);
  else held += line;
}

/**
 * Runs `fn` with `logger` adding `keys` to every line it writes, and the hops it makes recorded in
 * `journey`, for this request only.
 */
export function withRequestLogger<T>(keys: Readonly<Record<string, string>>, fn: () => Promise<T>, journey?: Journey): Promise<T> {
  return requestScope.run({ keys, journey }, fn);
}

/** The journey of the request being served, if any. */
export const currentJourney = (): Journey | undefined => requestScope.getStore()?.journey;

const STAGE = process.env.STAGE ?? 'default';
/**
 * Powertools' Metrics, telling whether it is switched off (`POWERTOOLS_METRICS_DISABLED`: the counts
 * follow it too) and whether anything was stored since the last publish without asking its stores
 * (they read the environment on every call).
 */
class ServiceMetrics extends Metrics {
  #stored = false;

  get off(): boolean {
    return this.isDisabled();
  }

  override addMetric(...args: Parameters<Metrics['addMetric']>): this {
    this.#stored = true;
    return super.addMetric(...args);
  }

  override publishStoredMetrics(): this {
    this.#stored = false;
    return super.publishStoredMetrics();
  }

  /** `publishStoredMetrics` when a metric was added since the last one. */
  publishIfStored(): void {
    if (this.#stored) this.publishStoredMetrics();
  }
}
export const metrics = new ServiceMetrics({ defaultDimensions: { stage: STAGE } });

const counts = new Map<string, number>();

/**
 * Counts one event (a cache hit) in memory; `publishMetrics` emits each count as one value. Adding
 * a metric value per request made Powertools serialise and print an EMF document every hundred
 * requests; the Sum CloudWatch shows is the same.
 */
export function countMetric(name: string, by = 1): void {
  counts.set(name, (counts.get(name) ?? 0) + by);
}

/** The part of an EMF document every count shares: namespace and dimensions, as Powertools writes them. */
const NAMESPACE = process.env.POWERTOOLS_METRICS_NAMESPACE || 'default_namespace';
const DIMENSIONS = { service: SERVICE, stage: STAGE };
const DIMENSIONS_TEXT = JSON.stringify(DIMENSIONS).slice(1, -1);
/** The text between the timestamp and the values, per set of metric names (a service counts a handful of sets). */
const middles = new Map<string, string>();
const middleOf = (names: string[]) =>
  `,"CloudWatchMetrics":${JSON.stringify([
    { Namespace: NAMESPACE, Dimensions: [Object.keys(DIMENSIONS)], Metrics: names.map((name) => ({ Name: name, Unit: MetricUnit.Count })) },
  ])}},${DIMENSIONS_TEXT}`;

/**
 * The counts as one CloudWatch Embedded Metric Format document, the text Powertools'
 * `serializeMetrics` gives for them (test/services/http.test.ts compares the two). Hand-written for
 * these per-request counts: a Lambda publishes after every invocation, and Powertools' publish
 * (stores scoped per invocation, each reading the environment, then a Console write) was ~15 µs,
 * the largest single cost of a cached read; as an object given to JSON.stringify it was ~5 µs,
 * as text from a cached head ~1 µs.
 */
export function countsDocument(values: ReadonlyMap<string, number>, timestamp = Date.now()): string {
  const names = [...values.keys()];
  const key = names.join('\n');
  let middle = middles.get(key);
  if (middle === undefined) middles.set(key, (middle = middleOf(names)));
  let text = `{"_aws":{"Timestamp":${timestamp}${middle}`;
  for (const [name, value] of values) text += `,${JSON.stringify(name)}:${value}`;
  return `${text}}`;
}

/** The held lines and the counts as one text, both reset. */
function takeLines(): string {
  let text = held ?? '';
  held = undefined;
  if (counts.size > 0) {
    if (!metrics.off) text += `${countsDocument(counts)}\n`;
    counts.clear();
  }
  return text;
}

/** Emits the held lines, the counts and every stored metric (the container's flush and shutdown). */
export function publishMetrics(): void {
  const text = takeLines();
  if (text !== '') process.stdout.write(text);
  metrics.publishIfStored();
}

/**
 * `publishMetrics` at the end of a Lambda invocation: the lines are taken now, and written once the
 * answer has left. The runtime sends the answer as the handler's promise settles and asks for the
 * next event from a `setImmediate` queued after this one (aws-lambda-nodejs-runtime-interface-client,
 * `Runtime.scheduleIteration`); Lambda freezes the sandbox only at that request, so the write
 * always happens inside the invocation. The write is a system call, among the costliest steps of a
 * cached read on a VM (~10 µs), and no longer delays the answer.
 */
export function publishAfterAnswer(): void {
  const text = takeLines();
  if (text !== '') setImmediate(writeOut, text);
  metrics.publishIfStored();
}

const writeOut = (text: string) => process.stdout.write(text);
