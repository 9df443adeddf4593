import type { ComputeConfig, StageConfig } from '../schema.js';
import { local } from './local.js';
import { prod } from './prod.js';

/**
 * The Docker default bridge's gateway: the one address that both the emulator's Lambda processes
 * (on this host) and the task containers (on the bridge) reach. `scripts/local.sh` checks it is this
 * machine's, forwards the emulator and PostgreSQL to it, and starts the shop's replica and Redis on it.
 */
export const DOCKER_HOST_ADDRESS = '172.17.0.1';
/** The local shop's own streaming replica and Redis (`scripts/local-data.sh`), beside the machine's. */
export const LOCAL_REPLICA_PORT = 5434;
export const LOCAL_REDIS_PORT = 6390;

/**
 * The `local` stage in the compute shape of `prod`, for a machine with a Docker engine: each service
 * on the compute `prod` gives it, the Fargate ones as two tasks each (prod's minimum) behind the
 * emulator's ALB, and reads from a real streaming replica. What differs from `local` is only what the
 * container hops need; `npm run local` picks this config when Docker answers.
 */
export const localContainers: StageConfig = {
  ...local,
  network: { ...local.network, securityGroupRules: false },
  database: {
    kind: 'external',
    host: DOCKER_HOST_ADDRESS,
    readerHosts: [`${DOCKER_HOST_ADDRESS}:${LOCAL_REPLICA_PORT}`],
    port: 5432,
    username: 'postgres',
  },
  cache: { kind: 'external', host: DOCKER_HOST_ADDRESS, port: LOCAL_REDIS_PORT },
  // The emulator has no Application Auto Scaling: a fixed count at prod's minimum.
  services: Object.fromEntries(Object.entries(prod.services).map(([service, compute]) => [service, localCompute(compute)])),
  containers: {
    // Images are built here and run here: for this host's CPU (process.arch is the machine, not config).
    architecture: process.arch === 'arm64' ? 'arm64' : 'x86_64',
    // Built offline by scripts/container-base-image.sh (no registry is reachable from the local stage).
    baseImage: 'storefront-local/node:24',
    // MiniStack's ALB data plane, through scripts/local-network.ts (it hands error answers over whole).
    loadBalancerAccess: { kind: 'emulator', baseUrl: 'http://127.0.0.1:4599/_alb' },
    // The emulator accepts any keys; these placeholders only let the SDK sign (docs/local-emulator.md).
    emulatorTaskEnvironment: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
  },
};

function localCompute(compute: ComputeConfig): ComputeConfig {
  return compute.kind === 'fargate' ? { kind: 'fargate', minTasks: compute.minTasks, maxTasks: compute.minTasks } : compute;
}
