import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { loadStageConfig } from '../../lib/config/index.js';
import { buildStage, crossStackReference } from './support/stage.js';

const STAGES = ['local', 'dev', 'staging', 'prod'] as const;
type StageName = (typeof STAGES)[number];

const built = Object.fromEntries(
  STAGES.map((name) => {
    const { stage } = buildStage(name);
    return [
      name,
      {
        stage,
        config: loadStageConfig(name),
        data: Template.fromStack(stage.data),
        services: Template.fromStack(stage.services),
      },
    ];
  }),
) as Record<
  StageName,
  {
    stage: ReturnType<typeof buildStage>['stage'];
    config: ReturnType<typeof loadStageConfig>;
    data: Template;
    services: Template;
  }
>;

const idOf = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

/** The database config of a stage that runs RDS (narrowed for the type checker). */
function rdsConfig(name: StageName) {
  const db = built[name].config.database;
  if (db.kind !== 'rds') throw new Error(`${name} does not run RDS`);
  return db;
}

function elastiCacheConfig(name: StageName) {
  const cache = built[name].config.cache;
  if (cache.kind !== 'elasticache') throw new Error(`${name} does not run ElastiCache`);
  return cache;
}

describe('DataStack', () => {
  describe.each(['dev', 'staging', 'prod'] as const)('%s (RDS and ElastiCache)', (name) => {
    const { stage, data } = built[name];
    const rds = stage.data.rds!;
    const primaryId = idOf(rds.primary);
    const instances = data.findResources('AWS::RDS::DBInstance');

    test('the primary is Multi-AZ exactly when the stage config says so', () => {
      expect(instances[primaryId].Properties.MultiAZ).toBe(rdsConfig(name).multiAz);
    });

    test('one read replica per configured replica, each replicating the primary', () => {
      const replicas = Object.entries(instances).filter(([id]) => id !== primaryId);
      expect(replicas).toHaveLength(rdsConfig(name).readReplicas);
      for (const [, replica] of replicas) {
        expect(JSON.stringify(replica.Properties.SourceDBInstanceIdentifier)).toContain(JSON.stringify({ Ref: primaryId }));
      }
    });

    test('Redis: one node plus the configured replicas; failover and Multi-AZ exactly when there are replicas', () => {
      const replicas = elastiCacheConfig(name).replicas;
      data.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
        NumCacheClusters: 1 + replicas,
        AutomaticFailoverEnabled: replicas > 0,
        MultiAZEnabled: replicas > 0,
        TransitEncryptionEnabled: true,
      });
    });

    test('deletion protection, point-in-time recovery and termination protection follow deletionProtection', () => {
      const { deletionProtection } = built[name].config;
      for (const instance of Object.values(instances)) expect(instance.Properties.DeletionProtection).toBe(deletionProtection);
      data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [{ Region: stage.data.region, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: deletionProtection } }],
      });
      expect(stage.data.terminationProtection).toBe(deletionProtection);
    });

    test('RDS Proxy exactly when configured; the migrations then wait for it', () => {
      const proxy = rdsConfig(name).proxy;
      data.resourceCountIs('AWS::RDS::DBProxy', proxy ? 1 : 0);
      const dependsOn = data.findResources('Custom::SchemaMigrations')[idOf(stage.data.migrations.resource)].DependsOn ?? [];
      if (proxy) expect(dependsOn).toContain(idOf(rds.proxy!));
      else expect(rds.proxy).toBeUndefined();
    });

    /** Output names of subnet IDs the Data stack reads from the Network stack, in order. */
    const imported = (subnetIds: unknown[]) =>
      subnetIds.map((id) => {
        const ref = crossStackReference(id);
        expect(ref?.stackName).toBe(stage.network.stackName);
        return ref!.outputName;
      });
    /** Logical IDs, in the Network stack, of the subnets of one selection. */
    const subnetIdsOf = (selection: typeof stage.network.appSubnets) =>
      stage.network.vpc.selectSubnets(selection).subnets.map((subnet) => idOf(subnet));
    const sameSubnets = (importNames: string[], logicalIds: string[]) => {
      expect(importNames).toHaveLength(logicalIds.length);
      importNames.forEach((importName, i) => expect(importName).toMatch(new RegExp(`^(Exports|Publish)OutputRef${logicalIds[i]}`)));
    };

    test('the database and cache subnet groups hold the isolated data subnets', () => {
      const dataSubnets = subnetIdsOf(stage.network.dataSubnets);
      expect(dataSubnets).toHaveLength(built[name].config.network.maxAzs);
      const groups = [
        ...Object.values(data.findResources('AWS::RDS::DBSubnetGroup')),
        ...Object.values(data.findResources('AWS::ElastiCache::SubnetGroup')),
      ];
      expect(groups).toHaveLength(1 + rdsConfig(name).readReplicas + 1);
      for (const group of groups) sameSubnets(imported(group.Properties.SubnetIds), dataSubnets);
    });

    test('the migration function runs in the application subnets', () => {
      const fn = data.findResources('AWS::Lambda::Function')[idOf(stage.data.migrations.handler.function)];
      sameSubnets(imported(fn.Properties.VpcConfig.SubnetIds), subnetIdsOf(stage.network.appSubnets));
    });
  });

  test('prod: Multi-AZ primary, Redis failover, termination protection', () => {
    const { stage, data } = built.prod;
    expect(data.findResources('AWS::RDS::DBInstance')[idOf(stage.data.rds!.primary)].Properties.MultiAZ).toBe(true);
    data.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { AutomaticFailoverEnabled: true, MultiAZEnabled: true });
    expect(stage.data.terminationProtection).toBe(true);
    // Stateful resources outlive the stack in prod.
    for (const type of ['AWS::RDS::DBInstance', 'AWS::DynamoDB::GlobalTable']) {
      for (const r of Object.values(data.findResources(type))) expect(r.DeletionPolicy).toBe('Retain');
    }
  });

  test('dev: single-AZ primary, no Redis failover, no termination protection', () => {
    const { stage, data } = built.dev;
    expect(data.findResources('AWS::RDS::DBInstance')[idOf(stage.data.rds!.primary)].Properties.MultiAZ).toBe(false);
    data.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { AutomaticFailoverEnabled: false, MultiAZEnabled: false });
    expect(stage.data.terminationProtection).toBe(false);
  });

  test('local: PostgreSQL and Redis are external, so no RDS and no ElastiCache resource at all', () => {
    const { stage, data } = built.local;
    const types = Object.values(data.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t.startsWith('AWS::RDS::') || t.startsWith('AWS::ElastiCache::'))).toEqual([]);
    expect(types.filter((t) => t.startsWith('AWS::EC2::'))).toEqual([]);
    expect(stage.data.rds).toBeUndefined();
    expect(stage.data.redis).toBeUndefined();
    expect(stage.data.terminationProtection).toBe(false);
    // The services still read credentials from a secret; the external server speaks plain TCP.
    expect(stage.data.database).toMatchObject({ writerHost: '127.0.0.1', ssl: 'disable' });
    expect(stage.data.database.connections).toBeUndefined();
    expect(stage.data.cache).toMatchObject({ host: '127.0.0.1', tls: false });
    data.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const fn = data.findResources('AWS::Lambda::Function')[idOf(stage.data.migrations.handler.function)];
    expect(fn.Properties.VpcConfig).toBeUndefined();
  });

  describe.each(STAGES)('%s: no public database, no public cache', (name) => {
    const { stage, data, services } = built[name];
    const json = data.toJSON() as { Resources: Record<string, { Type: string; Properties?: Record<string, any> }> };

    test('no resource in the Data stack is publicly accessible', () => {
      const exposed = Object.entries(json.Resources).filter(([, r]) => r.Properties?.PubliclyAccessible === true);
      expect(exposed).toEqual([]);
      for (const instance of Object.values(data.findResources('AWS::RDS::DBInstance'))) {
        expect(instance.Properties.PubliclyAccessible).toBe(false);
      }
    });

    test('no ingress in the Data stack comes from an address range or from another stack', () => {
      const localGroups = new Set(Object.keys(data.findResources('AWS::EC2::SecurityGroup')));
      for (const rule of Object.values(data.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)) {
        expect(rule.CidrIp).toBeUndefined();
        expect(rule.CidrIpv6).toBeUndefined();
        // A source in this stack: the rotation function, the migration function, or (proxy) the group itself.
        expect(localGroups.has(rule.SourceSecurityGroupId['Fn::GetAtt']?.[0])).toBe(true);
      }
      // Nothing in the Data stack refers to the Services stack (it deploys first).
      expect(JSON.stringify(json)).not.toContain(`${stage.services.stackName}:`);
      expect(stage.data.dependencies).not.toContain(stage.services);
    });

    if (name === 'local') return;

    test('the ways in for the services are written in the Services stack, into the imported data groups', () => {
      const rds = stage.data.rds!;
      const redis = stage.data.redis!;
      const servicesIngress = Object.values(services.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
      const into = (groupLogicalId: string) =>
        servicesIngress.filter(
          (r) => crossStackReference(r.GroupId)?.stackName === stage.data.stackName && JSON.stringify(r.GroupId).includes(groupLogicalId),
        );
      expect(into(idOf(rds.securityGroup)).length).toBeGreaterThan(0);
      expect(into(idOf(redis.securityGroup)).length).toBeGreaterThan(0);
      // And the Data stack holds none whose source is one of the services' groups.
      const servicesGroups = Object.keys(services.findResources('AWS::EC2::SecurityGroup'));
      const dataSources = Object.values(data.findResources('AWS::EC2::SecurityGroupIngress')).map((r) =>
        JSON.stringify(r.Properties.SourceSecurityGroupId),
      );
      expect(servicesGroups.length).toBeGreaterThan(0);
      for (const group of servicesGroups) expect(dataSources.filter((s) => s.includes(group))).toEqual([]);
    });

    test('the cache security group has no ingress at all in the Data stack', () => {
      const cacheGroup = { 'Fn::GetAtt': [idOf(stage.data.redis!.securityGroup), 'GroupId'] };
      expect(data.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: cacheGroup } })).toEqual({});
    });
  });
});

describe("removalPolicy 'snapshot'", () => {
  test('snapshots the database and retains what cannot be snapshotted (table, secrets, migrations)', () => {
    const { stage } = buildStage({ ...loadStageConfig('prod'), removalPolicy: 'snapshot' });
    const template = Template.fromStack(stage.data);
    const policies = (type: string) => Object.values(template.findResources(type)).map((r) => r.DeletionPolicy);
    expect(new Set(policies('AWS::RDS::DBInstance'))).toEqual(new Set(['Snapshot']));
    expect(policies('AWS::DynamoDB::GlobalTable')).toEqual(['Retain']);
  });
});
