/**
 * `npm run docs:cost`: docs/cost.md, generated from the synthesized templates of each AWS stage and
 * the committed price table (docs/prices.json), so it cannot drift from what the app deploys;
 * test/infra/cost.test.ts fails when the committed page differs from what this writes. The fixed
 * part counts resources in the templates; the variable part prices one cached product read and one
 * order along the request path, with the configured memory of the functions that serve them and the
 * durations the benchmarks measured (bench/results.json), or an assumption named as such.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { loadStageConfig } from '../lib/config/index.js';
import { buildStage } from './synth-stage.js';

const ROOT = path.join(__dirname, '..');
export const COST_PAGE = path.join(ROOT, 'docs', 'cost.md');
export const PRICES_FILE = path.join(ROOT, 'docs', 'prices.json');
/** The stages that deploy to an AWS account; `local` runs on MiniStack and costs nothing. */
export const COST_STAGES = ['dev', 'staging', 'prod'] as const;

export interface Prices {
  readonly date: string;
  readonly region: string;
  readonly currency: string;
  readonly basis: string;
  readonly hoursPerMonth: number;
  readonly fixed: {
    readonly natGatewayHour: number;
    readonly publicIpv4AddressHour: number;
    readonly albHour: number;
    readonly rdsPostgresInstanceHour: Readonly<Record<string, number>>;
    readonly rdsGp3GbMonth: number;
    readonly rdsProxyVcpuHour: number;
    readonly rdsProxyMinimumVcpus: number;
    readonly instanceVcpus: Readonly<Record<string, number>>;
    readonly elastiCacheNodeHour: Readonly<Record<string, number>>;
    readonly fargateVcpuHour: Readonly<Record<string, number>>;
    readonly fargateGbHour: Readonly<Record<string, number>>;
    readonly kmsKeyMonth: number;
    readonly secretMonth: number;
    readonly wafWebAclMonth: number;
    readonly wafRuleMonth: number;
    readonly route53HostedZoneMonth: number;
    readonly alarmMetricMonth: number;
    readonly dashboardMonth: number;
    readonly interfaceEndpointAzHour: number;
  };
  readonly variable: {
    readonly apiGatewayRestPerMillion: number;
    readonly lambdaRequestsPerMillion: number;
    readonly lambdaGbSecond: Readonly<Record<string, number>>;
    readonly sqsRequestsPerMillion: number;
    readonly sesPerThousandEmails: number;
    readonly dynamoDbWriteRequestUnitsPerMillion: number;
    readonly dynamoDbReadRequestUnitsPerMillion: number;
    readonly cloudFrontHttpsRequestsPer10k: number;
    readonly cloudFrontTransferOutGb: number;
    readonly wafRequestsPerMillion: number;
    readonly logsIngestionGb: number;
  };
}

export const loadPrices = (): Prices => JSON.parse(fs.readFileSync(PRICES_FILE, 'utf8')) as Prices;

interface Figure {
  readonly value: number;
  readonly measured: string;
  readonly by: string;
}
const loadResults = (): Record<string, Figure> =>
  JSON.parse(fs.readFileSync(path.join(ROOT, 'bench', 'results.json'), 'utf8')) as Record<string, Figure>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- template properties are free-form JSON
type Props = Record<string, any>;
interface Resource {
  readonly id: string;
  readonly type: string;
  readonly props: Props;
}

/** Every resource of every stack of the stage, as synthesized (cdk-nag included, no bundling). */
export function stageResources(stageName: string): Resource[] {
  const { app, stage } = buildStage(stageName);
  const assembly = app.synth();
  return stage.node.children.filter(Stack.isStack).flatMap((stack) => {
    const template = assembly.getStackArtifact(stack.artifactId).template as {
      Resources?: Record<string, { Type: string; Properties?: Props }>;
    };
    return Object.entries(template.Resources ?? {}).map(([id, r]) => ({ id, type: r.Type, props: r.Properties ?? {} }));
  });
}

/**
 * Resource types that carry no fixed monthly charge (they cost per use, are priced through another
 * type, or cost nothing). A type in no template line and not here fails the test: a new kind of
 * resource gets a price or a place here. Some are listed before any stage uses them (KMS aliases,
 * WAF logging, log delivery), so that adding them needs no change here.
 */
export const NO_FIXED_CHARGE = new Set([
  'AWS::ApiGateway::Account',
  'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::Deployment',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Model',
  'AWS::ApiGateway::RequestValidator',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGatewayV2::VpcLink',
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy',
  'AWS::CertificateManager::Certificate',
  'AWS::CloudFront::CachePolicy',
  'AWS::CloudFront::Distribution',
  'AWS::CloudFront::OriginAccessControl',
  'AWS::CloudFront::OriginRequestPolicy',
  'AWS::CloudFront::ResponseHeadersPolicy',
  'AWS::CodeDeploy::Application',
  'AWS::CodeDeploy::DeploymentGroup',
  'AWS::DynamoDB::GlobalTable',
  'AWS::DynamoDB::Table',
  'AWS::EC2::EIP',
  'AWS::EC2::FlowLog',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::Route',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::Subnet',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::VPC',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::ECS::Cluster',
  'AWS::ECS::TaskDefinition',
  'AWS::ElastiCache::SubnetGroup',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::ListenerRule',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::Events::Rule',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::Lambda::Alias',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::Function',
  'AWS::Lambda::LayerVersion',
  'AWS::Lambda::Permission',
  'AWS::Lambda::Version',
  'AWS::Logs::LogGroup',
  'AWS::RDS::DBParameterGroup',
  'AWS::RDS::DBProxyTargetGroup',
  'AWS::RDS::DBSubnetGroup',
  'AWS::Route53::RecordSet',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::SES::ConfigurationSet',
  'AWS::SES::ConfigurationSetEventDestination',
  'AWS::SES::EmailIdentity',
  'AWS::SNS::Subscription',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::SecretsManager::ResourcePolicy',
  'AWS::WAFv2::WebACLAssociation',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::SecretsManager::SecretTargetAttachment',
  'AWS::Serverless::Application',
  'AWS::KMS::Alias',
  'AWS::KinesisFirehose::DeliveryStream',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Logs::ResourcePolicy',
  'AWS::Logs::SubscriptionFilter',
  'AWS::WAFv2::LoggingConfiguration',
  'Custom::CDKBucketDeployment',
  'Custom::SchemaMigrations',
  'Custom::VpcRestrictDefaultSG',
]);

/** A monthly line of one stage: how many of what, and what that costs. */
interface Line {
  readonly quantity: string;
  readonly monthly: number;
}
interface FixedItem {
  readonly label: string;
  readonly types: readonly string[];
  readonly basis: (p: Prices) => string;
  readonly cost: (resources: Resource[], p: Prices) => Line;
}

const ofType = (resources: Resource[], type: string) => resources.filter((r) => r.type === type);
const refId = (v: unknown): string | undefined =>
  (v as { Ref?: string })?.Ref ?? (v as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
const priceOf = (table: Readonly<Record<string, number>>, key: string, what: string): number => {
  const price = table[key];
  if (price === undefined) throw new Error(`docs/prices.json has no ${what} price for ${key}`);
  return price;
};
const usd = (n: number) =>
  n === 0
    ? '$0'
    : n < 0.1
      ? `$${n.toPrecision(2)}`
      : `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const perMonth = (hourly: number, p: Prices) => hourly * p.hoursPerMonth;

/** Primary instances first, then read replicas (a replica names its source). */
const dbInstances = (resources: Resource[]) => ofType(resources, 'AWS::RDS::DBInstance');
const isReplica = (r: Resource) => r.props.SourceDBInstanceIdentifier !== undefined;

export const FIXED_ITEMS: readonly FixedItem[] = [
  {
    label: 'NAT gateways and their public IPv4 addresses',
    types: ['AWS::EC2::NatGateway'],
    basis: (p) => `$${p.fixed.natGatewayHour}/h + $${p.fixed.publicIpv4AddressHour}/h per address; + per GB processed`,
    cost: (rs, p) => {
      const n = ofType(rs, 'AWS::EC2::NatGateway').length;
      return { quantity: `${n}`, monthly: n * perMonth(p.fixed.natGatewayHour + p.fixed.publicIpv4AddressHour, p) };
    },
  },
  {
    label: 'Application Load Balancer',
    types: ['AWS::ElasticLoadBalancingV2::LoadBalancer'],
    basis: (p) => `$${p.fixed.albHour}/h; + LCUs by traffic`,
    cost: (rs, p) => {
      const n = ofType(rs, 'AWS::ElasticLoadBalancingV2::LoadBalancer').filter(
        (r) => (r.props.Type ?? 'application') === 'application',
      ).length;
      return { quantity: `${n}`, monthly: n * perMonth(p.fixed.albHour, p) };
    },
  },
  {
    label: 'RDS PostgreSQL instances',
    types: ['AWS::RDS::DBInstance'],
    basis: () => 'per instance-hour; Multi-AZ bills the standby too',
    cost: (rs, p) => {
      const instances = dbInstances(rs);
      const hourly = instances.reduce(
        (sum, r) =>
          sum + priceOf(p.fixed.rdsPostgresInstanceHour, r.props.DBInstanceClass, 'RDS instance') * (r.props.MultiAZ === true ? 2 : 1),
        0,
      );
      const describe = instances
        .map((r) => `${r.props.DBInstanceClass}${isReplica(r) ? ' replica' : r.props.MultiAZ === true ? ' Multi-AZ primary' : ' primary'}`)
        .reduce<Record<string, number>>((acc, d) => ({ ...acc, [d]: (acc[d] ?? 0) + 1 }), {});
      return {
        quantity: Object.entries(describe)
          .map(([d, n]) => `${n} × ${d}`)
          .join(' + '),
        monthly: perMonth(hourly, p),
      };
    },
  },
  {
    label: 'RDS storage (gp3; replicas and the Multi-AZ standby hold a copy)',
    types: [],
    basis: (p) => `$${p.fixed.rdsGp3GbMonth}/GB-month`,
    cost: (rs, p) => {
      const instances = dbInstances(rs);
      // A replica has the storage of its source: the primary's AllocatedStorage.
      const primaryGb = Number(instances.find((r) => !isReplica(r))?.props.AllocatedStorage ?? 0);
      const copies = instances.reduce((n, r) => n + (r.props.MultiAZ === true ? 2 : 1), 0);
      return { quantity: instances.length ? `${copies} × ${primaryGb} GB` : '0', monthly: copies * primaryGb * p.fixed.rdsGp3GbMonth };
    },
  },
  {
    label: 'RDS Proxy',
    types: ['AWS::RDS::DBProxy'],
    basis: (p) => `$${p.fixed.rdsProxyVcpuHour} per vCPU-hour of the primary, at least ${p.fixed.rdsProxyMinimumVcpus} vCPUs`,
    cost: (rs, p) => {
      const proxies = ofType(rs, 'AWS::RDS::DBProxy').length;
      const primary = dbInstances(rs).find((r) => !isReplica(r));
      if (!proxies || !primary) return { quantity: '0', monthly: 0 };
      const vcpus = Math.max(p.fixed.rdsProxyMinimumVcpus, priceOf(p.fixed.instanceVcpus, primary.props.DBInstanceClass, 'vCPU count'));
      return { quantity: `${proxies} (${vcpus} vCPUs)`, monthly: proxies * vcpus * perMonth(p.fixed.rdsProxyVcpuHour, p) };
    },
  },
  {
    label: 'ElastiCache Redis nodes',
    types: ['AWS::ElastiCache::ReplicationGroup'],
    basis: () => 'per node-hour',
    cost: (rs, p) => {
      const groups = ofType(rs, 'AWS::ElastiCache::ReplicationGroup');
      const nodes = groups.map((g) => ({ type: g.props.CacheNodeType as string, n: Number(g.props.NumCacheClusters ?? 1) }));
      return {
        quantity: nodes.map((g) => `${g.n} × ${g.type}`).join(' + ') || '0',
        monthly: nodes.reduce((sum, g) => sum + g.n * perMonth(priceOf(p.fixed.elastiCacheNodeHour, g.type, 'ElastiCache node'), p), 0),
      };
    },
  },
  {
    label: 'Fargate tasks (the autoscaling minimum, always running)',
    types: ['AWS::ECS::Service'],
    basis: (p) =>
      `ARM vCPU-hour $${p.fixed.fargateVcpuHour.ARM64}, GB-hour $${p.fixed.fargateGbHour.ARM64}; scale-out up to the maximum costs more`,
    cost: (rs, p) => {
      const services = ofType(rs, 'AWS::ECS::Service').map((svc) => {
        const task = rs.find((r) => r.id === refId(svc.props.TaskDefinition));
        const target = ofType(rs, 'AWS::ApplicationAutoScaling::ScalableTarget').find((t) =>
          JSON.stringify(t.props.ResourceId).includes(`"${svc.id}"`),
        );
        const arch = (task?.props.RuntimePlatform?.CpuArchitecture as string | undefined) ?? 'X86_64';
        return {
          tasks: Number(target?.props.MinCapacity ?? svc.props.DesiredCount ?? 1),
          max: Number(target?.props.MaxCapacity ?? svc.props.DesiredCount ?? 1),
          vcpu: Number(task?.props.Cpu ?? 256) / 1024,
          gb: Number(task?.props.Memory ?? 512) / 1024,
          arch,
        };
      });
      if (!services.length) return { quantity: '0', monthly: 0 };
      const shapes = [...new Set(services.map((s) => `${s.tasks}-${s.max} tasks × ${s.vcpu} vCPU / ${s.gb} GB ${s.arch}`))];
      return {
        quantity: `${count(services.length, 'service')} × ${shapes.join(', ')}`,
        monthly: services.reduce(
          (sum, s) =>
            sum +
            s.tasks *
              perMonth(
                s.vcpu * priceOf(p.fixed.fargateVcpuHour, s.arch, 'Fargate vCPU') +
                  s.gb * priceOf(p.fixed.fargateGbHour, s.arch, 'Fargate GB'),
                p,
              ),
          0,
        ),
      };
    },
  },
  {
    label: 'KMS customer managed keys',
    types: ['AWS::KMS::Key'],
    basis: (p) => `$${p.fixed.kmsKeyMonth} a key-month; + per request`,
    cost: (rs, p) => {
      const n = ofType(rs, 'AWS::KMS::Key').length;
      return { quantity: `${n}`, monthly: n * p.fixed.kmsKeyMonth };
    },
  },
  {
    label: 'Secrets Manager secrets',
    types: ['AWS::SecretsManager::Secret'],
    basis: (p) => `$${p.fixed.secretMonth} a secret-month; + per 10,000 calls`,
    cost: (rs, p) => {
      const n = ofType(rs, 'AWS::SecretsManager::Secret').length;
      return { quantity: `${n}`, monthly: n * p.fixed.secretMonth };
    },
  },
  {
    label: 'WAF web ACLs and their rules',
    types: ['AWS::WAFv2::WebACL'],
    basis: (p) => `$${p.fixed.wafWebAclMonth} an ACL + $${p.fixed.wafRuleMonth} a rule, a month`,
    cost: (rs, p) => {
      const acls = ofType(rs, 'AWS::WAFv2::WebACL');
      const rules = acls.reduce((n, a) => n + ((a.props.Rules as unknown[] | undefined)?.length ?? 0), 0);
      return {
        quantity: `${acls.length} ACLs, ${rules} rules`,
        monthly: acls.length * p.fixed.wafWebAclMonth + rules * p.fixed.wafRuleMonth,
      };
    },
  },
  {
    label: 'Route 53 hosted zones (created, or imported by id for the records)',
    types: ['AWS::Route53::HostedZone'],
    basis: (p) => `$${p.fixed.route53HostedZoneMonth} a zone-month; alias queries to CloudFront are free`,
    cost: (rs, p) => {
      const created = ofType(rs, 'AWS::Route53::HostedZone').length;
      // A zone the stage writes records into but does not create still bills its account.
      const imported = new Set(
        ofType(rs, 'AWS::Route53::RecordSet')
          .map((r) => r.props.HostedZoneId)
          .filter((z): z is string => typeof z === 'string'),
      ).size;
      return { quantity: `${created + imported}`, monthly: (created + imported) * p.fixed.route53HostedZoneMonth };
    },
  },
  {
    label: 'CloudWatch alarms (per metric they evaluate)',
    types: ['AWS::CloudWatch::Alarm'],
    basis: (p) => `$${p.fixed.alarmMetricMonth} per metric an alarm reads, a month`,
    cost: (rs, p) => {
      const alarms = ofType(rs, 'AWS::CloudWatch::Alarm');
      const metrics = alarms.reduce(
        (n, a) => n + ((a.props.Metrics as Array<{ MetricStat?: unknown }> | undefined)?.filter((m) => m.MetricStat).length ?? 1),
        0,
      );
      return { quantity: `${alarms.length} alarms, ${metrics} metrics`, monthly: metrics * p.fixed.alarmMetricMonth };
    },
  },
  {
    label: 'CloudWatch dashboards',
    types: ['AWS::CloudWatch::Dashboard'],
    basis: (p) => `$${p.fixed.dashboardMonth} a dashboard-month`,
    cost: (rs, p) => {
      const n = ofType(rs, 'AWS::CloudWatch::Dashboard').length;
      return { quantity: `${n}`, monthly: n * p.fixed.dashboardMonth };
    },
  },
  {
    label: 'VPC interface endpoints (gateway endpoints are free)',
    types: ['AWS::EC2::VPCEndpoint'],
    basis: (p) => `$${p.fixed.interfaceEndpointAzHour} per endpoint per AZ-hour; + per GB`,
    cost: (rs, p) => {
      const interfaces = ofType(rs, 'AWS::EC2::VPCEndpoint').filter((e) => e.props.VpcEndpointType === 'Interface');
      const azHours = interfaces.reduce((n, e) => n + ((e.props.SubnetIds as unknown[] | undefined)?.length ?? 1), 0);
      return {
        quantity: `${interfaces.length} (${azHours} AZ-endpoints)`,
        monthly: azHours * perMonth(p.fixed.interfaceEndpointAzHour, p),
      };
    },
  },
];

/**
 * Durations of the requests one unit of traffic makes, per service that serves it on Lambda. The
 * cached read is measured (bench/results.json); the others are not benchmarked, so they are
 * assumptions, named as such in the page. Lambda bills whole milliseconds.
 */
export interface Call {
  readonly what: string;
  /** Logical-ID prefix of the function that serves it when it runs on Lambda (construct IDs are stable). */
  readonly fn: string;
  readonly ms: number;
  /** Who measured it, when; undefined: an assumption. */
  readonly measured?: string;
  readonly note?: string;
  /** Through CloudFront, WAF and API Gateway (false: a queue consumer). */
  readonly api: boolean;
}

/** Bytes billed per CloudWatch Logs event: the line plus the 26 bytes AWS adds to each event. */
const LOG_EVENT_OVERHEAD = 26;
/** Assumed sizes (not measured): an API Gateway access-log line, a service's access-log line, Lambda's START/END/REPORT lines. */
const LOG_BYTES = { apiGatewayAccess: 450, serviceAccess: 300, lambdaPlatform: 3 * 150 };
/** Assumed size of an API answer on the wire through CloudFront (headers and JSON body). */
const RESPONSE_BYTES = 1_200;

export function unitsOfTraffic(results: Record<string, Figure>): { readonly read: readonly Call[]; readonly order: readonly Call[] } {
  const read = results['catalog.lambdaProductReadMicros'];
  return {
    read: [
      {
        what: 'GET /products/{id} (cached)',
        fn: 'CatalogFunction',
        ms: read ? read.value / 1000 : 1,
        measured: read && `${read.by}, ${read.measured.slice(0, 10)}; billed as 1 ms`,
        api: true,
      },
    ],
    order: [
      {
        what: 'POST /auth/login',
        fn: 'AuthFunction',
        ms: 60,
        note: 'scrypt ~50 ms (lambda/shared/passwords.ts) + the user query',
        api: true,
      },
      { what: 'the token authorizer, once per session (API Gateway caches its answer)', fn: 'AuthorizerFunction', ms: 5, api: false },
      { what: 'POST /orders', fn: 'OrdersFunction', ms: 30, api: true },
      { what: 'POST /payments', fn: 'PaymentsFunction', ms: 60, note: "the sandbox provider's 20 ms + three transactions", api: true },
      { what: 'GET /orders/{id}', fn: 'OrdersFunction', ms: 10, api: true },
      {
        what: 'the confirmation email (worker)',
        fn: 'EmailWorkerFunction',
        ms: 150,
        note: 'SES, DynamoDB and the Redis token bucket',
        api: false,
      },
    ],
  };
}

/** One priced part of a unit of traffic in one stage. */
interface Part {
  readonly part: string;
  readonly cost: number;
}

/** What `units` of the calls cost in this stage's templates: the request path, Lambda, logs; plus `extra` (the order's queue, email, DynamoDB). */
function variableCost(resources: Resource[], calls: readonly Call[], units: number, p: Prices): Part[] {
  const v = p.variable;
  const apiCalls = calls.filter((c) => c.api).length * units;
  const distributions = ofType(resources, 'AWS::CloudFront::Distribution').length;
  const aclsOnPath = ofType(resources, 'AWS::WAFv2::WebACL').filter(
    (acl) => acl.props.Scope === 'CLOUDFRONT' || ofType(resources, 'AWS::WAFv2::WebACLAssociation').length > 0,
  ).length;
  const functions = ofType(resources, 'AWS::Lambda::Function');
  let lambdaCost = 0;
  let lambdaInvocations = 0;
  for (const call of calls) {
    const fn = functions.find((f) => f.id.startsWith(call.fn));
    if (!fn) continue; // Served by a Fargate task: within the fixed tasks' capacity.
    const gb = Number(fn.props.MemorySize ?? 128) / 1024;
    const arch = (fn.props.Architectures as string[] | undefined)?.[0] ?? 'x86_64';
    lambdaInvocations += units;
    lambdaCost +=
      units * (v.lambdaRequestsPerMillion / 1e6 + gb * (Math.ceil(call.ms) / 1000) * priceOf(v.lambdaGbSecond, arch, 'Lambda GB-second'));
  }
  const logBytes =
    apiCalls * (LOG_BYTES.apiGatewayAccess + LOG_EVENT_OVERHEAD) +
    calls.length * units * (LOG_BYTES.serviceAccess + LOG_EVENT_OVERHEAD) +
    lambdaInvocations * (LOG_BYTES.lambdaPlatform + 3 * LOG_EVENT_OVERHEAD);
  return [
    { part: 'CloudFront requests', cost: distributions ? (apiCalls / 1e4) * v.cloudFrontHttpsRequestsPer10k : 0 },
    { part: 'CloudFront transfer out', cost: distributions ? ((apiCalls * RESPONSE_BYTES) / 1e9) * v.cloudFrontTransferOutGb : 0 },
    { part: `WAF requests (${count(aclsOnPath, 'web ACL')} on the path)`, cost: (apiCalls / 1e6) * aclsOnPath * v.wafRequestsPerMillion },
    { part: 'API Gateway REST requests', cost: (apiCalls / 1e6) * v.apiGatewayRestPerMillion },
    { part: 'Lambda requests and GB-seconds (services on Lambda)', cost: lambdaCost },
    { part: 'CloudWatch Logs ingestion', cost: (logBytes / 1e9) * v.logsIngestionGb },
  ];
}

/** The order's own hops beyond the request path: the job on SQS, the email, the idempotency records. */
function orderExtras(orders: number, p: Prices): Part[] {
  const v = p.variable;
  return [
    // Send, receive and delete of one job.
    { part: 'SQS requests (send, receive, delete)', cost: ((3 * orders) / 1e6) * v.sqsRequestsPerMillion },
    { part: 'SES email', cost: (orders / 1000) * v.sesPerThousandEmails },
    // The payment's idempotency record and the worker's (a put and an update each, items under 1 KB), one suppression-list read.
    {
      part: 'DynamoDB on-demand (4 writes, 1 read per order)',
      cost: ((4 * orders) / 1e6) * v.dynamoDbWriteRequestUnitsPerMillion + (orders / 1e6) * v.dynamoDbReadRequestUnitsPerMillion,
    },
  ];
}

export interface StageCost {
  readonly stage: string;
  readonly fixed: ReadonlyArray<Line & { readonly label: string }>;
  readonly fixedTotal: number;
  readonly perMillionReads: readonly Part[];
  readonly perThousandOrders: readonly Part[];
  readonly unpricedTypes: readonly string[];
  readonly types: readonly string[];
}

export function stageCost(stage: string, resources: Resource[], p: Prices, results: Record<string, Figure>): StageCost {
  const fixed = FIXED_ITEMS.map((item) => ({ label: item.label, ...item.cost(resources, p) }));
  const priced = new Set(FIXED_ITEMS.flatMap((i) => i.types));
  const types = [...new Set(resources.map((r) => r.type))].sort();
  const { read, order } = unitsOfTraffic(results);
  return {
    stage,
    fixed,
    fixedTotal: fixed.reduce((n, l) => n + l.monthly, 0),
    perMillionReads: variableCost(resources, read, 1e6, p),
    perThousandOrders: [...variableCost(resources, order, 1000, p), ...orderExtras(1000, p)],
    unpricedTypes: types.filter((t) => !priced.has(t) && !NO_FIXED_CHARGE.has(t)),
    types,
  };
}

const sum = (parts: readonly Part[]) => parts.reduce((n, x) => n + x.cost, 0);

export function costPage(costs: readonly StageCost[], p: Prices, results: Record<string, Figure>): string {
  const stages = costs.map((c) => `\`${c.stage}\``);
  const regions = [...new Set(costs.map((c) => loadStageConfig(c.stage).env.region))];
  const { read, order } = unitsOfTraffic(results);
  const variableTable = (title: string, pick: (c: StageCost) => readonly Part[]) => [
    `| ${title} | ${stages.join(' | ')} |`,
    `|---|${stages.map(() => '---:').join('|')}|`,
    ...pick(costs[0]).map((part, i) => `| ${part.part} | ${costs.map((c) => usd(pick(c)[i].cost)).join(' | ')} |`),
    `| **total** | ${costs.map((c) => `**${usd(sum(pick(c)))}**`).join(' | ')} |`,
  ];
  const calls = (cs: readonly Call[]) =>
    cs
      .map(
        (c) =>
          `${c.what} ${c.ms < 1 ? c.ms.toFixed(3) : c.ms} ms (${c.measured ? `measured: ${c.measured}` : 'assumed, not benchmarked'}${c.note ? `: ${c.note}` : ''})`,
      )
      .join('; ');
  // The two lines that weigh most in each stage: where a saving would come from.
  const heaviest = costs
    .map((c) => {
      const top = [...c.fixed].sort((a, b) => b.monthly - a.monthly).slice(0, 2);
      return `\`${c.stage}\` ${top.map((l) => `${l.label.replace(/ \(.*\)$/, '')} ${Math.round((100 * l.monthly) / c.fixedTotal)} %`).join(', ')}`;
    })
    .join('; ');
  const noCharge = [...new Set(costs.flatMap((c) => c.types))].filter((t) => NO_FIXED_CHARGE.has(t)).length;
  return [
    '# What each stage costs',
    '',
    '<!-- Generated by `npm run docs:cost` (scripts/cost.ts) from the synthesized templates and docs/prices.json; test/infra/cost.test.ts fails when it drifts. Do not edit by hand. -->',
    '',
    `An order of magnitude for reviews, not a quote. Prices: docs/prices.json, **AWS public ${p.currency} list prices for ${p.region} as of ${p.date}** (${p.basis}), ${p.hoursPerMonth} hours a month. The stages deploy to ${regions.map((r) => `\`${r}\``).join(', ')}, where most of these prices are a few per cent higher: check the [AWS Pricing Calculator](https://calculator.aws/) before relying on a figure. \`local\` costs nothing (MiniStack on your machine).`,
    '',
    '## Fixed monthly cost (idle, from the templates)',
    '',
    `| resource | ${stages.join(' | ')} | price |`,
    `|---|${stages.map(() => '---').join('|')}|---|`,
    ...FIXED_ITEMS.map(
      (item, i) =>
        `| ${item.label} | ${costs.map((c) => `${c.fixed[i].quantity} → ${usd(c.fixed[i].monthly)}`).join(' | ')} | ${item.basis(p)} |`,
    ),
    `| **fixed total** | ${costs.map((c) => `**${usd(c.fixedTotal)}**`).join(' | ')} | |`,
    '',
    `Largest fixed lines: ${heaviest}. The levers are in the stage config (\`database.instanceType\`, \`readReplicas\`, \`cache.nodeType\`, \`cache.replicas\`, \`network.natGateways\`, \`services.*.minTasks\`). The other ${noCharge} resource types in the templates carry no fixed charge (per use, priced through a line above, or free: \`NO_FIXED_CHARGE\` in scripts/cost.ts).`,
    '',
    '## Variable cost',
    '',
    `Per million cached product reads (\`GET /products/{id}\`, the shop's most frequent call): ${calls(read)}. On Fargate the read costs nothing beyond the fixed tasks until autoscaling adds one.`,
    '',
    ...variableTable('per million API requests', (c) => c.perMillionReads),
    '',
    `Per thousand orders: ${calls(order)}. Calls served by Fargate tasks add nothing per request.`,
    '',
    ...variableTable('per thousand orders', (c) => c.perThousandOrders),
    '',
    `Assumed sizes (not measured): an answer on the wire ${RESPONSE_BYTES} bytes; log lines ${LOG_BYTES.apiGatewayAccess} bytes (API Gateway access), ${LOG_BYTES.serviceAccess} bytes (service access line), ${LOG_BYTES.lambdaPlatform} bytes (Lambda START/END/REPORT), plus ${LOG_EVENT_OVERHEAD} bytes per event. Not counted: CloudWatch custom metrics (EMF), X-Ray traces, NAT and ALB data processing, log storage, RDS backups beyond the database size, the static page's own requests, the two every-minute functions (order sweep, outbox relay: about 88,000 short invocations a month, cents) and the SQS poller's empty receives (well under a dollar a month).`,
    '',
  ].join('\n');
}

export function generateCostPage(): string {
  const prices = loadPrices();
  const results = loadResults();
  const costs = COST_STAGES.map((stage) => stageCost(stage, stageResources(stage), prices, results));
  const unpriced = costs.flatMap((c) => c.unpricedTypes.map((t) => `${c.stage}: ${t}`));
  if (unpriced.length) throw new Error(`resource types with neither a price line nor a place in NO_FIXED_CHARGE: ${unpriced.join(', ')}`);
  return costPage(costs, prices, results);
}

if (require.main === module) {
  const next = generateCostPage();
  const current = fs.existsSync(COST_PAGE) ? fs.readFileSync(COST_PAGE, 'utf8') : '';
  fs.writeFileSync(COST_PAGE, next);
  console.log(current === next ? 'docs/cost.md already up to date' : 'docs/cost.md updated');
}
