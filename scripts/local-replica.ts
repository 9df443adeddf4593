/**
 * The local shop's read replica: a real streaming replica of the machine's PostgreSQL (a second
 * cluster from `pg_basebackup -R`, as RDS makes one), on its own port, listening on loopback and on
 * Docker's bridge so the task containers read from it. The container shape's config
 * (lib/config/stages/local-containers.ts) names it as the reader.
 * Usage: tsx scripts/local-replica.ts start|stop|resume|remove
 */
import { DOCKER_HOST_ADDRESS, LOCAL_REPLICA_PORT } from '../lib/config/stages/local-containers.js';
import { StreamingReplica } from '../test/support/replica.js';

export const localReplica = new StreamingReplica(LOCAL_REPLICA_PORT, {
  listen: ['127.0.0.1', DOCKER_HOST_ADDRESS],
  trust: ['127.0.0.1/32', `${DOCKER_HOST_ADDRESS.split('.').slice(0, 2).join('.')}.0.0/16`],
});

const commands: Record<string, () => void> = {
  start: () => localReplica.start(),
  stop: () => localReplica.stop(),
  resume: () => localReplica.resume(),
  remove: () => localReplica.destroy(),
};

if (require.main === module) {
  const command = commands[process.argv[2] ?? ''];
  if (!command) {
    console.error('usage: tsx scripts/local-replica.ts start|stop|resume|remove');
    process.exit(2);
  }
  command();
  console.error(`replica (${DOCKER_HOST_ADDRESS}:${LOCAL_REPLICA_PORT}, streaming from 127.0.0.1:5432): ${process.argv[2]} done`);
}
