import { currentJourney } from './observability.js';

/**
 * The hops a request touched, for its `Server-Timing` header (W3C Server Timing:
 * `cache;desc=hit;dur=0.4, db;desc=replica;dur=2.1, app;dur=3.0`). The clients that make the hops
 * (catalog cache, database, queue, provider, idempotency store) report into the journey of the
 * request they run for (carried with its log keys: `withRequestLogger`); the HTTP app writes the
 * header once the handler is done. Names and descriptions are the contract of
 * docs/runtime-contract.md ("Server-Timing").
 */
export const HOPS = {
  /** The catalog's Redis lookup: `hit`, `miss`, `down` (Redis unreachable or skipped), `waited` (another process loaded it). */
  cache: 'cache',
  /** Writing a loaded value into the catalog cache: `cached`, or `stale` (refused: a product changed since the read). */
  cacheFill: 'cache-fill',
  /** Dropping the cached copies of products a write changed. */
  cacheDrop: 'cache-drop',
  /** The read-your-writes marker in Redis: `write` after a commit, `read` before choosing a replica. */
  marker: 'marker',
  /** PostgreSQL: `primary` (the writer, or RDS Proxy in front of it) or `replica`. */
  db: 'db',
  /** The payments idempotency record in DynamoDB: `get`, `put`, `update`, `delete`. */
  idempotency: 'idempotency',
  /** SQS: `send` (the confirmation job). */
  queue: 'queue',
  /** The payment provider: `charge` or `refund`. */
  provider: 'provider',
  /** The whole request inside the service, hops included. */
  app: 'app',
} as const;
export type Hop = (typeof HOPS)[keyof typeof HOPS];

/** One request's entries, kept as the header text itself: one string append per hop, nothing else. */
export class Journey {
  entries = '';

  add(hop: Hop, desc: string, durationMs: number): void {
    this.entries += `${this.entries === '' ? '' : ', '}${hop};desc=${desc};dur=${durationMs.toFixed(1)}`;
  }

  /** The `Server-Timing` value, ending with the request's own time. */
  header(totalMs: number): string {
    return `${this.entries}${this.entries === '' ? '' : ', '}${HOPS.app};dur=${totalMs.toFixed(1)}`;
  }
}

/**
 * Records a hop that started at `startedAt` (`performance.now()`) and ended now, in the current
 * request's journey. Outside a request (the email worker, the relay, a test calling a client) it
 * does nothing.
 */
export function recordHop(hop: Hop, desc: string, startedAt: number): void {
  currentJourney()?.add(hop, desc, performance.now() - startedAt);
}

/** Runs `work` and records it as `hop` with `desc` (or the description of its result), also when it fails. */
export async function timed<T>(hop: Hop, desc: string | ((result: T | undefined) => string), work: () => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  let result: T | undefined;
  try {
    result = await work();
    return result;
  } finally {
    recordHop(hop, typeof desc === 'string' ? desc : desc(result), startedAt);
  }
}
