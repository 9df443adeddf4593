import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { MIGRATIONS_DIR, SchemaMigrations } from '../../lib/constructs/schema-migrations.js';
import { dataStackWithVpc } from './support/data-vpc.js';

interface Options {
  readonly inVpc?: boolean;
  readonly migrationsDir?: string;
}

function build({ inVpc = true, migrationsDir }: Options = {}) {
  const { stack, vpc } = dataStackWithVpc();
  const dbSg = new ec2.SecurityGroup(stack, 'DbSg', { vpc, allowAllOutbound: false });
  const secret = new secretsmanager.Secret(stack, 'DbSecret');
  const migrations = new SchemaMigrations(stack, 'Migrations', {
    database: {
      writerHost: 'writer.example',
      readerHosts: ['writer.example'],
      port: '5432',
      name: 'shop',
      secret,
      ssl: 'require',
      connections: inVpc ? new ec2.Connections({ securityGroups: [dbSg], defaultPort: ec2.Port.tcp(5432) }) : undefined,
    },
    vpc: inVpc ? vpc : undefined,
    vpcSubnets: { subnetGroupName: 'App' },
    migrationsDir,
  });
  const template = Template.fromStack(stack);
  const idOf = (construct: IConstruct) => stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
  const appSubnets = vpc.selectSubnets({ subnetGroupName: 'App' }).subnetIds.map((id) => stack.resolve(id));
  return { stack, template, migrations, idOf, dbSg, secret, appSubnets };
}

function hashOf(template: Template): string {
  const resources = Object.values(template.findResources('Custom::SchemaMigrations'));
  expect(resources).toHaveLength(1);
  return resources[0].Properties.MigrationsHash;
}

const folders: string[] = [];
afterAll(() => folders.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A throwaway migrations folder with these files, in the repository (the bundler copies from there). */
function folder(files: Record<string, string>): string {
  const scratch = path.join(__dirname, '..', '..', '.local');
  fs.mkdirSync(scratch, { recursive: true });
  const dir = fs.mkdtempSync(path.join(scratch, 'migrations-'));
  folders.push(dir);
  for (const [name, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), sql);
  return dir;
}

describe('SchemaMigrations', () => {
  describe('in a VPC (RDS)', () => {
    const { template, migrations, idOf, dbSg, secret, appSubnets } = build();
    const handlerId = idOf(migrations.handler.function);
    const handler = template.findResources('AWS::Lambda::Function')[handlerId].Properties;

    test('a custom resource, served by the Provider framework in front of the migration function', () => {
      const [resource] = Object.values(template.findResources('Custom::SchemaMigrations'));
      const [providerId, provider] = Object.entries(
        template.findResources('AWS::Lambda::Function', {
          Properties: { Handler: 'framework.onEvent' },
        }),
      )[0];
      expect(resource.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [providerId, 'Arn'] });
      expect(provider.Properties.Environment.Variables.USER_ON_EVENT_FUNCTION_ARN).toEqual({ 'Fn::GetAtt': [handlerId, 'Arn'] });
    });

    test('the handler runs on Node.js 22 or later (the bundle targets node22), arm64, for up to 5 minutes', () => {
      const [, major] = /^nodejs(\d+)\.x$/.exec(handler.Runtime) ?? [];
      expect(Number(major)).toBeGreaterThanOrEqual(22);
      expect(handler.Architectures).toEqual(['arm64']);
      expect(handler.Timeout).toBe(300);
    });

    test('it gets the DB_* contract and finds the SQL shipped next to its bundle', () => {
      expect(handler.Environment.Variables).toMatchObject({
        DB_WRITER_HOST: 'writer.example',
        DB_PORT: '5432',
        DB_NAME: 'shop',
        DB_SSL: 'require',
        DB_SECRET_ARN: { Ref: idOf(secret) },
        MIGRATIONS_DIR: './migrations',
      });
    });

    test('it runs in the given subnets behind its own security group', () => {
      const sgId = Object.keys(template.findResources('AWS::EC2::SecurityGroup')).find((id) => id.startsWith('MigrationsHandler'));
      expect(handler.VpcConfig).toEqual({ SubnetIds: appSubnets, SecurityGroupIds: [{ 'Fn::GetAtt': [sgId, 'GroupId'] }] });
    });

    test('it may read the database secret, and nothing else in Secrets Manager', () => {
      const role = handler.Role['Fn::GetAtt'][0];
      const statements = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
      const secrets = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
      expect(secrets).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Action: expect.arrayContaining(['secretsmanager:GetSecretValue']),
          Resource: { Ref: idOf(secret) },
        }),
      ]);
    });

    test('it reaches PostgreSQL on 5432 (ingress on the database group) and otherwise HTTPS only', () => {
      const sgId = handler.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'][0];
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [idOf(dbSg), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
      });
      template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [idOf(dbSg), 'GroupId'] },
        FromPort: 5432,
        ToPort: 5432,
      });
      expect(template.findResources('AWS::EC2::SecurityGroup')[sgId].Properties.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      ]);
    });

    test('the framework function is pinned as out of the VPC on purpose (checkov skip with a reason)', () => {
      template.hasResource('AWS::Lambda::Function', {
        Properties: { Handler: 'framework.onEvent' },
        Metadata: { checkov: { skip: [{ id: 'CKV_AWS_117', comment: Match.stringLikeRegexp('only invokes the migration function') }] } },
      });
    });
  });

  test('outside a VPC (external database): no VPC config, no security group, no rule on the database', () => {
    const { template, migrations, idOf } = build({ inVpc: false });
    const fn = template.findResources('AWS::Lambda::Function')[idOf(migrations.handler.function)];
    expect(fn.Properties.VpcConfig).toBeUndefined();
    expect(fn.Metadata.checkov.skip).toEqual([expect.objectContaining({ id: 'CKV_AWS_117' })]);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    expect(Object.keys(template.findResources('AWS::EC2::SecurityGroup')).filter((id) => id.startsWith('Migrations'))).toEqual([]);
  });

  describe('the migrations hash decides when CloudFormation re-runs them', () => {
    const base = { '0001_users.sql': 'create table users (id int);', '0002_orders.sql': 'create table orders (id int);' };
    const baseHash = hashOf(build({ migrationsDir: folder(base) }).template);

    test('a SHA-256 over the files, stable across builds', () => {
      expect(baseHash).toMatch(/^[0-9a-f]{64}$/);
      expect(hashOf(build({ migrationsDir: folder(base) }).template)).toBe(baseHash);
    });

    test('it changes when a migration is edited, added or renamed', () => {
      const edited = { ...base, '0002_orders.sql': 'create table orders (id bigint);' };
      const added = { ...base, '0003_payments.sql': 'create table payments (id int);' };
      const renamed = { '0001_users.sql': base['0001_users.sql'], '0003_orders.sql': base['0002_orders.sql'] };
      const hashes = [edited, added, renamed].map((files) => hashOf(build({ migrationsDir: folder(files) }).template));
      expect(new Set([baseHash, ...hashes]).size).toBe(4);
    });

    test('files that are not .sql do not count', () => {
      expect(hashOf(build({ migrationsDir: folder({ ...base, 'README.md': 'notes' }) }).template)).toBe(baseHash);
    });

    test(`by default it hashes the repository's ${MIGRATIONS_DIR} (the folder shipped with the function)`, () => {
      const repoDir = path.join(__dirname, '..', '..', MIGRATIONS_DIR);
      expect(fs.readdirSync(repoDir).some((f) => f.endsWith('.sql'))).toBe(true);
      const byDefault = hashOf(build().template);
      expect(byDefault).toBe(hashOf(build({ migrationsDir: repoDir }).template));
      expect(byDefault).not.toBe(hashOf(build({ migrationsDir: folder(base) }).template));
    });

    test('a folder with no migration, or outside the repository, fails synth', () => {
      expect(() => build({ migrationsDir: folder({ 'README.md': 'notes' }) })).toThrow(/no \.sql migration/);
      expect(() => build({ migrationsDir: os.tmpdir() })).toThrow(/inside the repository/);
    });
  });
});
