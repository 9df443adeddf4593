/**
 * The README's hop table (what each stage deploys, hop by hop along the request path), generated
 * from the stage configs so it cannot drift from them: `npm run docs:hops` rewrites the block
 * between the markers in README.md, and test/infra/hop-table.test.ts fails when the README holds
 * another one. Only what a config says is here; what the emulator cannot do whatever the config
 * says is the prose under the table.
 */
import * as path from 'node:path';
import { loadStageConfig, type StageConfig } from '../lib/config/index.js';
import { blockIn, type BlockMarkers, rewriteBlock } from './generated-block.js';

export const README = path.join(__dirname, '..', 'README.md');
const MARKERS: BlockMarkers = { start: '<!-- hops:start (npm run docs:hops) -->', end: '<!-- hops:end -->' };

/** The columns: each stage config, named as the README's readers know them. */
export const HOP_TABLE_STAGES: ReadonlyArray<{ readonly config: string; readonly title: string }> = [
  { config: 'local-containers', title: '`local` with Docker' },
  { config: 'local', title: '`local` without Docker' },
  { config: 'dev', title: '`dev`' },
  { config: 'staging', title: '`staging`' },
  { config: 'prod', title: '`prod`' },
];

const perSecond = (t: { rateLimit: number; burstLimit: number }) => `${t.rateLimit}/s (burst ${t.burstLimit})`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function services(c: StageConfig): string {
  // Services with the same compute are listed together: "auth: Lambda; catalog, orders, payments: Fargate 2-10 × ...".
  const groups = new Map<string, string[]>();
  for (const [name, compute] of Object.entries(c.services) as Array<[string, StageConfig['services'][string]]>) {
    const shape =
      compute.kind === 'lambda'
        ? 'Lambda'
        : `Fargate ${compute.minTasks === compute.maxTasks ? `${compute.minTasks}` : `${compute.minTasks}-${compute.maxTasks}`} tasks` +
          (compute.cpu ? ` × ${compute.cpu / 1024} vCPU / ${(compute.memoryLimitMiB ?? 512) / 1024} GiB` : '');
    groups.set(shape, [...(groups.get(shape) ?? []), name]);
  }
  const list = [...groups].map(([shape, names]) => `${names.join(', ')}: ${shape}`).join('; ');
  return `${list}${c.canaryDeployments ? '; canary deploys with alarm rollback' : ''}`;
}

/** One row per hop of the request path: its name, and what a stage's config makes of it. */
export const HOP_ROWS: ReadonlyArray<readonly [string, (c: StageConfig) => string]> = [
  [
    'DNS (Route 53)',
    (c) => (c.domain ? `\`${c.domain.name}\` and \`www\`: alias records to CloudFront, ACM certificate` : 'none: the CloudFront domain'),
  ],
  [
    'CDN (CloudFront + S3)',
    (c) =>
      `distribution, OAC, page bucket; ${c.publicApi === 'cloudfront' ? '`/api/*` to API Gateway' : 'the API called at API Gateway (`publicApi: apigateway`)'}; page by ${(c.pageUpload ?? 'bucketDeployment') === 'bucketDeployment' ? 'BucketDeployment' : '`scripts/publish-page.ts`'}`,
  ],
  [
    'Rate limiter (WAF)',
    (c) =>
      `CLOUDFRONT ACL: ${c.waf.requestsPerIp} per IP / ${c.waf.evaluationWindowSeconds} s, sign-in ${c.waf.loginRequestsPerIp}; ${c.waf.regionalAcl ? 'REGIONAL ACL on the API stage (origin header)' : 'no regional ACL'}`,
  ],
  ['Gateway (API Gateway REST)', (c) => `stage ${perSecond(c.api.throttle)}, each write method ${perSecond(c.api.writeThrottle)}`],
  [
    'Load balancer (ALB)',
    (c) =>
      Object.values(c.services).some((s) => s.kind === 'fargate')
        ? `internal ALB, a target group per Fargate service; ${c.containers?.loadBalancerAccess.kind === 'emulator' ? "reached at the emulator's data plane" : 'reached through a VPC link'}`
        : 'none (no Fargate service)',
  ],
  ['Services', services],
  [
    'Cache (Redis)',
    (c) =>
      c.cache.kind === 'elasticache'
        ? `ElastiCache \`${c.cache.nodeType}\`: ${plural(1 + c.cache.replicas, 'node')}${c.cache.replicas > 0 ? ' (Multi-AZ)' : ''}, TLS + AUTH; TTL ${c.cacheTtlSeconds} s`
        : `external Redis \`${c.cache.host}:${c.cache.port}\`, no TLS; TTL ${c.cacheTtlSeconds} s`,
  ],
  [
    'Database (PostgreSQL)',
    ({ database: db }) =>
      db.kind === 'rds'
        ? `RDS \`${db.instanceType}\`${db.multiAz ? ' Multi-AZ' : ''} + ${plural(db.readReplicas, 'read replica')}, ${db.allocatedStorageGiB} GiB, backups ${db.backupRetentionDays} d${db.proxy ? ', RDS Proxy' : ''}`
        : `external \`${db.host}:${db.port}\`${db.readerHosts.some((h) => h !== db.host) ? `, replica \`${db.readerHosts.join('`, `')}\`` : ', no replica (reads on the primary)'}`,
  ],
  [
    'Async (SQS + worker + SES)',
    (c) =>
      `queue + DLQ${c.email.maxReceiveCount ? ` after ${c.email.maxReceiveCount} receives` : ''}, worker ×${c.email.workerConcurrency}${c.email.workerTimeoutSeconds ? ` (${c.email.workerTimeoutSeconds} s timeout)` : ''}, SES ${c.email.sendsPerSecond}/s from ${c.domain ? 'a domain identity (DKIM, MAIL FROM)' : 'an address identity'}`,
  ],
  ['Idempotency (DynamoDB)', (c) => `on-demand table with TTL${c.deletionProtection ? ', point-in-time recovery' : ''}`],
  [
    'Network (VPC)',
    (c) =>
      `${plural(c.network.maxAzs, 'AZ')}, ${plural(c.network.natGateways, 'NAT gateway')}${c.network.flowLogs === false ? ', no flow logs' : ', flow logs'}${c.network.natGateways === 0 && c.network.interfaceEndpoints !== false ? ', interface endpoints' : ''}`,
  ],
  [
    'Observability',
    (c) =>
      `dashboard, ${c.alarms === false ? 'no alarms' : `alarms to SNS${c.alarmEmail ? ` and \`${c.alarmEmail}\`` : ''}`}; logs kept ${plural(c.logRetentionDays, 'day')}`,
  ],
  ['Data on delete', (c) => `\`${c.removalPolicy}\`${c.deletionProtection ? ', deletion and termination protection' : ''}`],
];

/** The Markdown table: a row per hop, a column per stage config. */
export function hopTable(): string {
  const configs = HOP_TABLE_STAGES.map((s) => loadStageConfig(s.config));
  const lines = [
    `| hop | ${HOP_TABLE_STAGES.map((s) => s.title).join(' | ')} |`,
    `|---|${HOP_TABLE_STAGES.map(() => '---').join('|')}|`,
    ...HOP_ROWS.map(([hop, cell]) => `| ${hop} | ${configs.map((c) => cell(c).replaceAll('|', '\\|')).join(' | ')} |`),
  ];
  return lines.join('\n');
}

export function hopTableBlock(): string {
  return `${MARKERS.start}\n${hopTable()}\n${MARKERS.end}`;
}

export function readmeHopTable(readme: string): string | undefined {
  return blockIn(readme, MARKERS);
}

if (require.main === module) rewriteBlock(README, MARKERS, hopTableBlock(), 'README hop table');
