/**
 * The local shop's read replica: a real streaming replica of the machine's PostgreSQL (a second
 * cluster from `pg_basebackup -R`, as RDS makes one), on its own port, listening on loopback and on
 * Docker's bridge so the task containers read from it. The container shape's config
 * (lib/config/stages/local-containers.ts) names it as the reader.
 * Usage: tsx scripts/local-replica.ts start|stop|status
 */
import { DOCKER_HOST_ADDRESS, LOCAL_REPLICA_PORT } from '../lib/config/stages/local-containers.js';
import { StreamingReplica } from '../test/support/replica.js';

const replica = new StreamingReplica(LOCAL_REPLICA_PORT, {
  listen: ['127.0.0.1', DOCKER_HOST_ADDRESS],
  trust: ['127.0.0.1/32', `${DOCKER_HOST_ADDRESS.split('.').slice(0, 2).join('.')}.0.0/16`],
});

switch (process.argv[2]) {
  case 'start':
    replica.start();
    console.error(`replica: streaming from 127.0.0.1:5432 on ${DOCKER_HOST_ADDRESS}:${LOCAL_REPLICA_PORT} and 127.0.0.1:${LOCAL_REPLICA_PORT}`);
    break;
  case 'stop':
    replica.destroy();
    console.error('replica: stopped and removed');
    break;
  default:
    console.error('usage: tsx scripts/local-replica.ts start|stop');
    process.exit(2);
}
