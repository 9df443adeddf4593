import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';

const BIN = '/usr/lib/postgresql/15/bin';
const asPostgres = (cmd: string, args: string[]) =>
  execFileSync('runuser', ['-u', 'postgres', '--', path.join(BIN, cmd), ...args], { stdio: 'pipe' });

/**
 * A real streaming replica of the local PostgreSQL (127.0.0.1:5432), on its own port: a second
 * cluster made by `pg_basebackup -R`, as RDS makes a read replica. Needs replication allowed from
 * 127.0.0.1 (`scripts/ensure-local-services.sh` does it).
 */
export class StreamingReplica {
  readonly dir: string;
  /**
   * `network`: where the replica listens besides its socket and which clients it trusts, e.g. also
   * Docker's bridge for the local shop's task containers.
   */
  constructor(
    readonly port = Number(process.env.TEST_REPLICA_PORT ?? 5433),
    private readonly network: { listen: readonly string[]; trust: readonly string[] } = { listen: ['127.0.0.1'], trust: ['127.0.0.1/32'] },
  ) {
    this.dir = `/tmp/storefront-replica-${port}`;
  }

  start(): void {
    this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
    try {
      asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-D', this.dir, '-R', '-X', 'stream', '-c', 'fast']);
    } catch (err) {
      throw new Error(
        `pg_basebackup failed (${String((err as { stderr?: Buffer }).stderr ?? err)}): run 'bash scripts/ensure-local-services.sh' to allow replication from 127.0.0.1`,
      );
    }
    // Debian keeps the configuration outside the data directory; the replica gets its own.
    fs.writeFileSync(
      path.join(this.dir, 'postgresql.conf'),
      `port = ${this.port}\nunix_socket_directories = '/tmp'\nhot_standby = on\nlisten_addresses = '${this.network.listen.join(',')}'\n`,
    );
    const trusted = this.network.trust.map((cidr) => `host all all ${cidr} trust\n`).join('');
    fs.writeFileSync(path.join(this.dir, 'pg_hba.conf'), `local all all trust\n${trusted}`);
    execFileSync('chown', ['-R', 'postgres:postgres', this.dir]);
    asPostgres('pg_ctl', ['-D', this.dir, '-l', path.join(this.dir, 'server.log'), '-w', 'start']);
  }

  /** Starts a stopped replica again on its data directory: it catches up from the primary's WAL. */
  resume(): void {
    asPostgres('pg_ctl', ['-D', this.dir, '-l', path.join(this.dir, 'server.log'), '-w', 'start']);
  }

  stop(): void {
    if (fs.existsSync(path.join(this.dir, 'postmaster.pid'))) {
      asPostgres('pg_ctl', ['-D', this.dir, '-m', 'fast', '-w', 'stop']);
    }
  }

  destroy(): void {
    this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  async sql<T extends pg.QueryResultRow>(database: string, text: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ host: '127.0.0.1', port: this.port, user: 'postgres', database });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** Waits until the replica has replayed everything the primary has written so far. */
  async catchUp(database: string, primary: pg.Pool): Promise<void> {
    const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    for (let i = 0; i < 100; i++) {
      const [r] = await this.sql<{ ok: boolean }>(database, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [rows[0].lsn]);
      if (r.ok) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('the replica did not catch up within 5 s');
  }
}
