/**
 * The README's request-path diagram, generated from the construct tree of a stage so it cannot
 * drift from the code: `npm run docs:diagram` rewrites the block between the markers in README.md,
 * and test/infra/diagram.test.ts fails when the README holds another one.
 */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { IConstruct } from 'constructs';
import { ROUTES } from '../contract/routes.js';
import { loadStageConfig } from '../lib/config/index.js';
import { ContainerService } from '../lib/constructs/container-service.js';
import { RateLimitedWebAcl } from '../lib/constructs/rate-limited-web-acl.js';
import { loadBalancerRoutes } from '../lib/constructs/service-wiring.js';
import { StorefrontDns } from '../lib/constructs/storefront-dns.js';
import { StorefrontStage } from '../lib/storefront-stage.js';
import { blockIn, type BlockMarkers, rewriteBlock } from './generated-block.js';

export const DIAGRAM_STAGE = 'prod';
export const README = path.join(__dirname, '..', 'README.md');
const MARKERS: BlockMarkers = { start: '<!-- diagram:start (npm run docs:diagram) -->', end: '<!-- diagram:end -->' };

const all = <T>(root: IConstruct, type: abstract new (...args: never[]) => T): T[] =>
  root.node.findAll().filter((c): c is T & IConstruct => c instanceof type);

/** "origin header, 2000/5min per IP, /auth/login 100" from the ACL's own rules. */
function rateLimits(acl: RateLimitedWebAcl): string {
  const rules = (acl.webAcl.rules ?? []) as wafv2.CfnWebACL.RuleProperty[];
  const origin = rules.some((r) => r.name === 'RequireOriginHeader') ? ['origin header'] : [];
  const limits = rules
    .map((r) => r.statement as wafv2.CfnWebACL.StatementProperty)
    .filter((s) => s.rateBasedStatement)
    .map((s) => {
      const rate = s.rateBasedStatement as wafv2.CfnWebACL.RateBasedStatementProperty;
      const scoped = (rate.scopeDownStatement as wafv2.CfnWebACL.StatementProperty | undefined)?.byteMatchStatement as
        wafv2.CfnWebACL.ByteMatchStatementProperty | undefined;
      const window = `${(rate.evaluationWindowSec ?? 300) / 60}min`;
      return `${scoped ? `${scoped.searchString} ` : ''}${rate.limit}/${window}`;
    });
  return [...origin, ...limits].join(', ');
}

/** Mermaid flowchart of the request path as this stage builds it. */
export function requestPathDiagram(stage: StorefrontStage): string {
  const { services, data, cdn } = stage;
  const lines = ['flowchart LR'];
  const edge = (from: string, to: string, label?: string) => lines.push(`  ${from} ${label ? `-->|${label}|` : '-->'} ${to}`);

  lines.push('  U([Browser])');
  const dns = all(cdn, StorefrontDns)[0];
  if (dns) {
    lines.push('  R53[Route 53<br/>apex + www alias]');
    edge('U', 'R53');
    edge('R53', 'CF');
  } else {
    edge('U', 'CF');
  }
  lines.push('  CF[CloudFront<br/>S3 page via OAC<br/>/api/* to API Gateway]');
  const edgeAcl = all(stage.edge, RateLimitedWebAcl)[0];
  lines.push(`  WAF{{WAF CLOUDFRONT<br/>${rateLimits(edgeAcl)}}}`);
  edge('CF', 'WAF');
  const regionalAcl = all(services, RateLimitedWebAcl)[0];
  const prefixes = Object.values(loadBalancerRoutes(ROUTES)).map((r) => r.pathPrefix);
  lines.push(`  APIGW[API Gateway REST<br/>${prefixes.join(' ')}]`);
  if (regionalAcl) {
    lines.push(`  RWAF{{WAF REGIONAL<br/>${rateLimits(regionalAcl)}}}`);
    edge('WAF', 'RWAF');
    edge('RWAF', 'APIGW');
  } else {
    edge('WAF', 'APIGW');
  }

  if (services.platform) lines.push('  ALB[internal ALB<br/>/health checks]');
  let albLinked = false;
  for (const [name, runtime] of Object.entries(services.runtimes)) {
    const id = name.toUpperCase();
    if (runtime instanceof ContainerService) {
      lines.push(`  ${id}[${name}<br/>Fargate]`);
      if (!albLinked) edge('APIGW', 'ALB', 'VPC link');
      albLinked = true;
      edge('ALB', id);
    } else {
      lines.push(`  ${id}[${name}<br/>Lambda ${(runtime as lambda.Function).architecture.name}]`);
      edge('APIGW', id);
    }
  }

  const cache = data.redis
    ? `ElastiCache Redis<br/>1 primary + ${(data.redis.replicationGroup.numCacheClusters ?? 1) - 1} replicas, TLS`
    : 'Redis<br/>external';
  lines.push(`  REDIS[(${cache})]`);
  const db = data.rds
    ? `RDS PostgreSQL<br/>primary + ${data.rds.replicas.length} read replicas${data.rds.proxy ? '<br/>RDS Proxy' : ''}`
    : 'PostgreSQL<br/>external';
  lines.push(`  RDS[(${db})]`);
  lines.push('  DDB[(DynamoDB<br/>idempotency)]');
  lines.push('  SQS[[SQS email queue<br/>+ DLQ]]');
  lines.push('  W[email worker<br/>Lambda]');
  lines.push('  SES[SES]');
  edge('CATALOG', 'REDIS', 'cache-aside');
  edge('CATALOG', 'RDS', 'replica reads');
  edge('ORDERS', 'RDS', 'writes, reads');
  edge('AUTH', 'RDS');
  edge('PAYMENTS', 'RDS', 'order PAID + outbox');
  edge('PAYMENTS', 'DDB');
  edge('PAYMENTS', 'SQS', 'confirmation job');
  edge('SQS', 'W');
  edge('W', 'SES', 'rate-limited');
  edge('W', 'REDIS', 'token bucket');
  return lines.join('\n');
}

/** The diagram block as it belongs in the README. */
export function diagramBlock(stage: StorefrontStage): string {
  return `${MARKERS.start}\n\`\`\`mermaid\n${requestPathDiagram(stage)}\n\`\`\`\n${MARKERS.end}`;
}

export function readmeDiagram(readme: string): string | undefined {
  return blockIn(readme, MARKERS);
}

export function buildDiagramStage(): StorefrontStage {
  const config = loadStageConfig(DIAGRAM_STAGE);
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new StorefrontStage(app, `Storefront-${config.stage}`, { config, env: config.env });
}

if (require.main === module) rewriteBlock(README, MARKERS, diagramBlock(buildDiagramStage()), 'README diagram');
