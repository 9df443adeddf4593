import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadStageConfig } from '../lib/config/index.js';
import type { StageConfig } from '../lib/config/schema.js';
import { ROUTES } from '../contract/routes.js';

/**
 * `npm run capacity -- -c stage=NAME [-c backlog=N]`: the capacity of a stage, hop by hop along the
 * request path, from its config and the figures the benchmarks recorded (bench/results.json, with
 * their dates), and the hop that limits it first. What comes from neither (AWS default quotas,
 * instance memory) is named as such. A model, not a load test: it says where to look first.
 */

interface Figure {
  readonly value: number;
  readonly unit: string;
  readonly what: string;
  readonly measured: string;
  readonly by: string;
}

/** Pool size per endpoint per process (lambda/shared/db.ts `maxConnections` default). */
const POOL_PER_ENDPOINT = 5;
/** AWS defaults, not in the config: a raised quota changes them. */
const QUOTA = { lambdaConcurrency: 1000, apiGatewayAccountRps: 10_000, cloudFrontRps: 250_000, redisMaxClients: 65_000 };
/** Memory of the instance classes the stages use (GiB); RDS PostgreSQL's default max_connections is memory / 9,531,392 bytes. */
const INSTANCE_MEMORY_GIB: Record<string, number> = {
  't4g.micro': 1,
  't4g.small': 2,
  't4g.medium': 4,
  't4g.large': 8,
  'm7g.large': 8,
  'm7g.xlarge': 16,
  'r7g.large': 16,
  'r7g.xlarge': 32,
  'r7g.2xlarge': 64,
};
/** The scrypt cost of one login or sign-up on one vCPU (lambda/shared/passwords.ts). */
const KDF_MS = 50;

function contextArg(name: string): string | undefined {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] === '-c' || args[i] === '--context' ? args[++i] : args[i];
    if (a?.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'unbounded');

interface Hop {
  readonly hop: string;
  readonly limit: string;
  readonly from: string;
  /** Orders per second this hop lets through, when it bounds orders. */
  readonly ordersPerSecond?: number;
  /** Product reads per second this hop lets through, when it bounds reads. */
  readonly readsPerSecond?: number;
}

export function capacity(config: StageConfig, results: Record<string, Figure>, backlog: number): string {
  const hops: Hop[] = [];
  const figure = (key: string) => results[key];
  const dated = (f: Figure | undefined) => (f ? `${f.by}, ${f.measured.slice(0, 10)}` : 'not measured');

  const window = config.waf.evaluationWindowSeconds;
  hops.push({
    hop: 'WAF, per client IP',
    limit: `${fmt(config.waf.requestsPerIp)} requests / ${window} s (${(config.waf.requestsPerIp / window).toFixed(1)}/s); sign-in ${fmt(config.waf.loginRequestsPerIp)} / ${window} s`,
    from: 'config `waf`',
  });
  hops.push({ hop: 'CloudFront', limit: `${fmt(QUOTA.cloudFrontRps)} requests/s per distribution`, from: 'AWS default quota' });
  const writes = ROUTES.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  hops.push({
    hop: 'API Gateway stage',
    limit: `${fmt(config.api.throttle.rateLimit)} requests/s, burst ${fmt(config.api.throttle.burstLimit)} (account: ${fmt(QUOTA.apiGatewayAccountRps)}/s)`,
    from: 'config `api.throttle`; account quota: AWS default',
    readsPerSecond: config.api.throttle.rateLimit,
    ordersPerSecond: config.api.throttle.rateLimit / 2,
  });
  hops.push({
    hop: 'API Gateway, each write method',
    limit: `${fmt(config.api.writeThrottle.rateLimit)} requests/s, burst ${fmt(config.api.writeThrottle.burstLimit)} (${writes.join(', ')})`,
    from: 'config `api.writeThrottle`',
    // An order is one POST /orders and one POST /payments, each throttled on its own.
    ordersPerSecond: config.api.writeThrottle.rateLimit,
  });

  // Compute: what each service can answer per second, where a benchmark measured it.
  const perTask = figure('catalog.containerProductReadRps');
  const lambdaRead = figure('catalog.lambdaProductReadMicros');
  const dbProcesses: Array<{ who: string; processes: number }> = [];
  for (const service of Object.keys(config.services)) {
    const compute = config.services[service];
    if (compute.kind === 'fargate') {
      const vcpu = (compute.cpu ?? 256) / 1024;
      dbProcesses.push({ who: `${service} (${compute.maxTasks} tasks)`, processes: compute.maxTasks });
      if (service === 'catalog' && perTask) {
        // One Node process is one event loop: a task of `vcpu` gets that share of a core like this machine's.
        const perTaskRps = perTask.value * Math.min(1, vcpu);
        hops.push({
          hop: 'catalog on Fargate (cached product read)',
          limit: `${compute.minTasks}-${compute.maxTasks} tasks × ${fmt(perTaskRps)}/s = ${fmt(compute.minTasks * perTaskRps)}-${fmt(compute.maxTasks * perTaskRps)} reads/s`,
          from: `config \`services.catalog\` (${vcpu} vCPU/task); ${fmt(perTask.value)}/s per core: ${dated(perTask)}`,
          readsPerSecond: compute.maxTasks * perTaskRps,
        });
      } else {
        hops.push({
          hop: `${service} on Fargate`,
          limit: `${compute.minTasks}-${compute.maxTasks} tasks of ${vcpu} vCPU; requests per task not benchmarked (bounded by PostgreSQL below)`,
          from: `config \`services.${service}\``,
        });
      }
    } else {
      dbProcesses.push({ who: `${service} Lambda (up to the account's concurrency)`, processes: QUOTA.lambdaConcurrency });
      const perInvocationMs = service === 'catalog' && lambdaRead ? lambdaRead.value / 1000 : service === 'auth' ? KDF_MS : undefined;
      hops.push({
        hop: `${service} on Lambda`,
        limit:
          perInvocationMs === undefined
            ? `${fmt(QUOTA.lambdaConcurrency)} concurrent executions (shared by every function); time per request not benchmarked`
            : `${fmt(QUOTA.lambdaConcurrency)} concurrent × ${fmt(1000 / perInvocationMs)}/s each = ${fmt((QUOTA.lambdaConcurrency * 1000) / perInvocationMs)}/s${service === 'auth' ? ' sign-ins (scrypt)' : ' cached reads'}`,
        from: `account concurrency: AWS default; ${service === 'auth' ? `scrypt ~${KDF_MS} ms (lambda/shared/passwords.ts)` : dated(lambdaRead)}`,
        readsPerSecond: service === 'catalog' && perInvocationMs ? (QUOTA.lambdaConcurrency * 1000) / perInvocationMs : undefined,
      });
    }
  }

  // PostgreSQL connections: every process holds a writer pool and one pool per reader endpoint.
  if (config.database.kind === 'rds') {
    const memory = INSTANCE_MEMORY_GIB[config.database.instanceType];
    const maxConnections = memory ? Math.min(5000, Math.floor((memory * 1024 ** 3) / 9_531_392)) : undefined;
    const tasks = dbProcesses.filter((p) => !p.who.includes('Lambda')).reduce((n, p) => n + p.processes, 0);
    const lambdas = dbProcesses.filter((p) => p.who.includes('Lambda')).map((p) => p.who.split(' ')[0]);
    // A Lambda instance serves one request at a time: one connection per pool in use, up to the pool size.
    const lambdaPart = lambdas.length
      ? ` + ${lambdas.join(', ')} on Lambda: 1 (up to ${POOL_PER_ENDPOINT}) per concurrent execution, up to ${fmt(QUOTA.lambdaConcurrency)}`
      : '';
    const replicaWorst = tasks * POOL_PER_ENDPOINT + (lambdas.length ? QUOTA.lambdaConcurrency : 0);
    hops.push({
      hop: `PostgreSQL primary (${config.database.instanceType}${config.database.proxy ? ', behind RDS Proxy' : ''})`,
      limit: `max_connections ≈ ${maxConnections ? fmt(maxConnections) : 'unknown instance class'}; writer pools: ${tasks} tasks × ${POOL_PER_ENDPOINT} = ${fmt(tasks * POOL_PER_ENDPOINT)}${lambdaPart}${config.database.proxy ? '; the proxy multiplexes them onto the primary' : ''}`,
      from: 'config `database`, `services`; pool size: lambda/shared/db.ts; max_connections: RDS default formula',
    });
    hops.push({
      hop: `PostgreSQL replicas (${config.database.readReplicas}, reached directly)`,
      limit: `each ≈ ${maxConnections ? fmt(maxConnections) : '?'} connections; reader pools per replica: ${fmt(tasks * POOL_PER_ENDPOINT)} from tasks${lambdas.length ? ` + 1 per concurrent Lambda execution: ${fmt(replicaWorst)} at full concurrency${maxConnections && replicaWorst > maxConnections ? ' (**over max_connections**)' : ''}` : ''}`,
      from: 'config `database.readReplicas`; no proxy in front of the replicas',
    });
  }
  hops.push({
    hop: `Redis (${config.cache.kind === 'elasticache' ? `${config.cache.nodeType}, ${config.cache.replicas} replicas` : 'external'})`,
    limit: `${fmt(QUOTA.redisMaxClients)} clients per node; one connection per process; 0 database reads per 1,000 warm reads (bench:catalog)`,
    from: 'ElastiCache default maxclients',
  });
  const share = figure('email.shareOfLimit');
  const sends = config.email.sendsPerSecond * (share?.value ?? 1);
  hops.push({
    hop: 'SES, order confirmations',
    limit: `${config.email.sendsPerSecond}/s configured, ${sends.toFixed(2)}/s held (${share ? `${(share.value * 100).toFixed(1)} %: ${dated(share)}` : 'not measured'}); ${config.email.workerConcurrency} workers; a backlog of ${fmt(backlog)} orders drains in ${(backlog / sends / 60).toFixed(1)} min`,
    from: 'config `email`',
    ordersPerSecond: sends,
  });

  const orderBound = hops.filter((h) => h.ordersPerSecond !== undefined).sort((a, b) => a.ordersPerSecond! - b.ordersPerSecond!);
  const readBound = hops.filter((h) => h.readsPerSecond !== undefined).sort((a, b) => a.readsPerSecond! - b.readsPerSecond!);
  const taking = orderBound.filter((h) => !h.hop.startsWith('SES'));
  const ses = orderBound.find((h) => h.hop.startsWith('SES'));
  return [
    `Capacity of stage \`${config.stage}\` (config: lib/config/stages/${config.stage}.ts; measured figures: bench/results.json)`,
    '',
    '| hop | limit | from |',
    '|---|---|---|',
    ...hops.map((h) => `| ${h.hop} | ${h.limit} | ${h.from} |`),
    '',
    `Orders: the API takes up to **${fmt(taking[0].ordersPerSecond!)} orders/s** (${taking[0].hop} limits first).` +
      (ses && ses.ordersPerSecond! < taking[0].ordersPerSecond!
        ? ` Confirmations leave at **${ses.ordersPerSecond!.toFixed(1)}/s** (SES): above that the email backlog grows (delayed, never lost; ${fmt(backlog)} orders take ${(backlog / ses.ordersPerSecond! / 60).toFixed(1)} min to confirm), so **SES is the first hop to saturate**.`
        : ''),
    readBound.length ? `Cached product reads: up to **${fmt(readBound[0].readsPerSecond!)}/s** (${readBound[0].hop} limits first).` : '',
    'Per client, WAF blocks first: a single IP past its rate gets 403 long before any aggregate limit.',
    '',
  ].join('\n');
}

function main(): void {
  const stage = contextArg('stage') ?? 'dev';
  const backlog = Number(contextArg('backlog') ?? 10_000);
  const file = path.join(__dirname, '..', 'bench', 'results.json');
  const results = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Figure>) : {};
  console.log(capacity(loadStageConfig(stage), results, backlog));
}

if (require.main === module) main();
