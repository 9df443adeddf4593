import * as path from 'node:path';
import { App, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { discoverServices } from '../../../lib/constructs/service-wiring.js';
import { LAMBDA_ROOT, type ServiceCompute, ServicesStack, type ServicesStackProps } from '../../../lib/stacks/services-stack.js';

const env = { account: '111111111111', region: 'eu-west-1' };
export const LAMBDA = { kind: 'lambda' } as const;
export const FARGATE: ServiceCompute = { kind: 'fargate', minTasks: 2, maxTasks: 4 };
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'lambda');
/** The shop's own declarations, their entries swapped for the fixtures' stand-ins (the bundler only needs a real file). */
export const SHOP_SERVICES = discoverServices(LAMBDA_ROOT).map((s) => ({ ...s, dir: path.join(FIXTURES, s.declaration.name) }));

/**
 * A data stack with the database and cache security groups, and the services stack on top of it, its functions inline
 * stand-ins that name their entry (these tests are about wiring, not bundling).
 */
export function build(overrides: Partial<ServicesStackProps> = {}) {
  const app = new App();
  const data = new Stack(app, 'Data', { env });
  const vpc = new ec2.Vpc(data, 'Vpc', { maxAzs: 2 });
  const dbSg = new ec2.SecurityGroup(data, 'DbSg', { vpc });
  const cacheSg = new ec2.SecurityGroup(data, 'CacheSg', { vpc });
  const stack = new ServicesStack(app, 'Services', {
    env,
    vpc,
    database: {
      writerHost: 'writer.example',
      readerHosts: ['r1.example', 'r2.example'],
      port: '5432',
      name: 'shop',
      secret: new secretsmanager.Secret(data, 'DbSecret'),
      ssl: 'require',
      connections: new ec2.Connections({ securityGroups: [dbSg], defaultPort: ec2.Port.tcp(5432) }),
    },
    cache: {
      // As from ElastiCache: the port is a deploy-time attribute, the security group knows 6379.
      host: 'redis.example',
      port: Token.asString({ 'Fn::GetAtt': ['Cache', 'PrimaryEndPoint.Port'] }),
      tls: true,
      authSecret: new secretsmanager.Secret(data, 'RedisAuth'),
      connections: new ec2.Connections({ securityGroups: [cacheSg], defaultPort: ec2.Port.tcp(6379) }),
    },
    idempotencyTable: new dynamodb.TableV2(data, 'Idempotency', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }),
    appSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    email: { sender: 'orders@shop.example.com', sendsPerSecond: 10, maxConcurrency: 2 },
    // Inline stand-ins: these tests are about wiring, not bundling (the code names its entry).
    buildFunction: (scope, id, spec) => {
      const fn = new lambda.Function(scope, id, {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(`// ${path.relative(path.join(__dirname, '..', '..', '..'), spec.entry)}`),
        environment: spec.environment,
        vpc,
      });
      return { function: fn, invokable: fn };
    },
    compute: { auth: LAMBDA, catalog: LAMBDA, orders: FARGATE, payments: LAMBDA },
    waf: { requestsPerIp: 3000, loginRequestsPerIp: 100 },
    throttle: { rateLimit: 500, burstLimit: 1000 },
    writeThrottle: { rateLimit: 50, burstLimit: 100 },
    publicApi: 'cloudfront',
    codeRoot: FIXTURES,
    services: SHOP_SERVICES,
    orders: { reservationTtlSeconds: 900, maxOpenOrdersPerUser: 5 },
    ...overrides,
  });
  return { stack, data, template: Template.fromStack(stack), dataTemplate: Template.fromStack(data), dbSg, cacheSg };
}

/** Environment variable names of the function whose inline code names this entry. */
export function envOf(template: Template, entry: string): string[] {
  const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f) =>
    String(f.Properties.Code?.ZipFile ?? '').includes(entry),
  );
  if (!fn) throw new Error(`no function for ${entry}`);
  return Object.keys(fn.Properties.Environment.Variables).sort();
}
