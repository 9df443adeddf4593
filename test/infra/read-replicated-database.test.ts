import { type CfnElement, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ReadReplicatedDatabase, type ReadReplicatedDatabaseProps } from '../../lib/constructs/read-replicated-database.js';
import { dataStackWithVpc } from './support/data-vpc.js';

function build(props: Partial<ReadReplicatedDatabaseProps> = {}) {
  const { stack, vpc } = dataStackWithVpc();
  const db = new ReadReplicatedDatabase(stack, 'Database', {
    vpc,
    subnets: { subnetGroupName: 'Data' },
    appSubnets: { subnetGroupName: 'App' },
    instanceType: new ec2.InstanceType('t4g.micro'),
    readReplicas: 2,
    multiAz: false,
    ...props,
  });
  const template = Template.fromStack(stack);
  const subnetRefs = (subnetGroupName: string) => vpc.selectSubnets({ subnetGroupName }).subnetIds.map((id) => stack.resolve(id));
  /** Logical ID of the CloudFormation resource behind an L2 construct. */
  const idOf = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  return { stack, db, template, subnetRefs, idOf, primaryId: idOf(db.primary) };
}

/** DB instances by logical ID. */
const instances = (template: Template) => template.findResources('AWS::RDS::DBInstance');

/** Ingress rules written into the database's security group, from any resource of the stack. */
function ingressInto(template: Template, sgLogicalId: string) {
  return Object.values(
    template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [sgLogicalId, 'GroupId'] } },
    }),
  ).map((r) => r.Properties);
}

describe('ReadReplicatedDatabase', () => {
  describe('defaults', () => {
    const { template, primaryId, db, stack, idOf } = build();

    test('the primary is PostgreSQL 16, encrypted, backed up for 7 days, with Performance Insights and enhanced monitoring', () => {
      expect(instances(template)[primaryId].Properties).toMatchObject({
        Engine: 'postgres',
        EngineVersion: expect.stringMatching(/^16/),
        StorageEncrypted: true,
        BackupRetentionPeriod: 7,
        EnablePerformanceInsights: true,
        MonitoringInterval: 60,
        EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
        CopyTagsToSnapshot: true,
        DBName: 'storefront',
        AllocatedStorage: '20',
        MaxAllocatedStorage: 100,
      });
    });

    test('deletion protection and Multi-AZ are off unless asked for; the data is snapshotted when the stack goes', () => {
      const primary = instances(template)[primaryId];
      expect(primary.Properties.DeletionProtection).toBe(false);
      expect(primary.Properties.MultiAZ).toBe(false);
      for (const instance of Object.values(instances(template))) {
        expect(instance.DeletionPolicy).toBe('Snapshot');
        expect(instance.UpdateReplacePolicy).toBe('Snapshot');
      }
    });

    test('no instance is publicly accessible', () => {
      const all = Object.values(instances(template));
      expect(all).toHaveLength(3);
      for (const instance of all) expect(instance.Properties.PubliclyAccessible).toBe(false);
    });

    test('a parameter group forcing TLS is used by the primary and every replica', () => {
      const groups = template.findResources('AWS::RDS::DBParameterGroup');
      expect(Object.keys(groups)).toHaveLength(1);
      const [groupId, group] = Object.entries(groups)[0];
      expect(group.Properties.Family).toBe('postgres16');
      expect(group.Properties.Parameters['rds.force_ssl']).toBe('1');
      for (const instance of Object.values(instances(template))) {
        expect(instance.Properties.DBParameterGroupName).toEqual({ Ref: groupId });
      }
    });

    test('the generated secret is attached to the primary and rotated every 30 days', () => {
      template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
        TargetId: { Ref: primaryId },
        TargetType: 'AWS::RDS::DBInstance',
      });
      template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        SecretId: { Ref: idOf(db.secret) },
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
      expect(instances(template)[primaryId].Properties.MasterUserPassword).toEqual({
        'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: expect.any(String) }, ':SecretString:password::}}']],
      });
    });

    test('no RDS Proxy unless asked for; services write to the primary', () => {
      template.resourceCountIs('AWS::RDS::DBProxy', 0);
      expect(db.proxy).toBeUndefined();
      expect(stack.resolve(db.access.writerHost)).toEqual({ 'Fn::GetAtt': [primaryId, 'Endpoint.Address'] });
      expect(db.access.ssl).toBe('require');
      expect(db.access.port).toBe('5432');
    });
  });

  test('subnet groups hold the isolated data subnets only; the rotation function runs in the application subnets', () => {
    const { template, subnetRefs } = build();
    const groups = Object.values(template.findResources('AWS::RDS::DBSubnetGroup')).map((g) => g.Properties);
    expect(groups).toHaveLength(3); // the primary's and one per replica
    for (const group of groups) expect(group.SubnetIds).toEqual(subnetRefs('Data'));
    template.hasResourceProperties('AWS::Serverless::Application', {
      Parameters: Match.objectLike({ vpcSubnetIds: { 'Fn::Join': ['', [subnetRefs('App')[0], ',', subnetRefs('App')[1]]] } }),
    });
  });

  test.each([0, 1, 3])('%i read replica(s), each replicating the primary', (readReplicas) => {
    const { template, primaryId, db, stack } = build({ readReplicas });
    const replicas = Object.entries(instances(template)).filter(([id]) => id !== primaryId);
    expect(replicas).toHaveLength(readReplicas);
    for (const [, replica] of replicas) {
      expect(JSON.stringify(replica.Properties.SourceDBInstanceIdentifier)).toContain(JSON.stringify({ Ref: primaryId }));
      // Encryption is inherited from the primary (CloudFormation rejects StorageEncrypted on a replica).
      expect(replica.Properties.StorageEncrypted).toBeUndefined();
      expect(replica.Properties.EnablePerformanceInsights).toBe(true);
    }
    // Readers go to the replicas, or to the primary when there is none.
    const readers = stack.resolve(db.access.readerHosts);
    expect(readers).toEqual(
      readReplicas === 0
        ? [{ 'Fn::GetAtt': [primaryId, 'Endpoint.Address'] }]
        : replicas.map(([id]) => ({ 'Fn::GetAtt': [id, 'Endpoint.Address'] })),
    );
  });

  test("replicas take the data subnets' zones in turn, so one zone never holds them all", () => {
    const { template, primaryId } = build({ readReplicas: 3 });
    const zones = Object.entries(instances(template))
      .filter(([id]) => id !== primaryId)
      .map(([, r]) => r.Properties.AvailabilityZone);
    // Two zones in this VPC: the third replica goes back to the first.
    expect(new Set(zones.slice(0, 2)).size).toBe(2);
    expect(zones[2]).toBe(zones[0]);
  });

  test('Multi-AZ, deletion protection, backup retention, storage and removal policy follow the props', () => {
    const { template, primaryId } = build({
      multiAz: true,
      deletionProtection: true,
      backupRetention: Duration.days(14),
      allocatedStorageGiB: 100,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const all = instances(template);
    expect(all[primaryId].Properties).toMatchObject({
      MultiAZ: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 14,
      AllocatedStorage: '100',
      MaxAllocatedStorage: 500,
    });
    for (const instance of Object.values(all)) {
      expect(instance.Properties.DeletionProtection).toBe(true);
      expect(instance.DeletionPolicy).toBe('Retain');
    }
  });

  describe('no public database', () => {
    test('its security group has no ingress of its own: only the rotation function reaches it, and it has no outbound', () => {
      const { template, db, idOf } = build();
      const sgId = idOf(db.securityGroup);
      const sg = template.findResources('AWS::EC2::SecurityGroup')[sgId].Properties;
      expect(sg.SecurityGroupIngress).toBeUndefined();
      const rotationSg = Object.keys(template.findResources('AWS::EC2::SecurityGroup')).find((id) => id.includes('RotationSingleUser'));
      expect(ingressInto(template, sgId)).toEqual([
        expect.objectContaining({ SourceSecurityGroupId: { 'Fn::GetAtt': [rotationSg, 'GroupId'] } }),
      ]);
      template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
      expect(db.securityGroup.allowAllOutbound).toBe(false);
    });

    test('no rule anywhere in the stack opens PostgreSQL to an address range', () => {
      const { template } = build({ proxy: true });
      const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
      expect(ingress.length).toBeGreaterThan(0);
      for (const rule of ingress) {
        expect(rule.CidrIp).toBeUndefined();
        expect(rule.CidrIpv6).toBeUndefined();
        expect(rule.SourceSecurityGroupId).toBeDefined();
      }
    });
  });

  describe('with RDS Proxy', () => {
    const { template, db, stack, primaryId, subnetRefs, idOf } = build({ proxy: true });
    const sgId = idOf(db.securityGroup);

    test('it requires TLS, signs in with the database secret and fronts the primary only', () => {
      template.resourceCountIs('AWS::RDS::DBProxy', 1);
      template.hasResourceProperties('AWS::RDS::DBProxy', {
        EngineFamily: 'POSTGRESQL',
        RequireTLS: true,
        Auth: [Match.objectLike({ AuthScheme: 'SECRETS', SecretArn: { Ref: idOf(db.secret) } })],
        VpcSubnetIds: subnetRefs('Data'),
        VpcSecurityGroupIds: [{ 'Fn::GetAtt': [sgId, 'GroupId'] }],
      });
      template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', { DBInstanceIdentifiers: [{ Ref: primaryId }] });
    });

    test('writers go through the proxy', () => {
      expect(stack.resolve(db.access.writerHost)).toEqual({ 'Fn::GetAtt': [idOf(db.proxy!), 'Endpoint'] });
    });

    test('the security group admits only itself (the proxy) and the rotation function', () => {
      const sources = ingressInto(template, sgId).map((r) => r.SourceSecurityGroupId['Fn::GetAtt'][0] as string);
      expect(sources).toContain(sgId);
      expect(sources.filter((s) => s !== sgId)).toEqual([expect.stringMatching(/RotationSingleUser/)]);
    });
  });
});
