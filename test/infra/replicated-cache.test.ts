import { type CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import { ReplicatedCache, type ReplicatedCacheProps } from '../../lib/constructs/replicated-cache.js';
import { dataStackWithVpc } from './support/data-vpc.js';

/** `consume` adds what a consumer would, before the template is taken. */
function build(props: Partial<ReplicatedCacheProps> = {}, consume?: (cache: ReplicatedCache, vpc: ec2.Vpc) => void) {
  const { stack, vpc } = dataStackWithVpc();
  const cache = new ReplicatedCache(stack, 'Cache', {
    vpc,
    subnets: { subnetGroupName: 'Data' },
    nodeType: 'cache.t4g.micro',
    replicas: 2,
    ...props,
  });
  consume?.(cache, vpc);
  const template = Template.fromStack(stack);
  const idOf = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const dataSubnets = vpc.selectSubnets({ subnetGroupName: 'Data' }).subnetIds.map((id) => stack.resolve(id));
  return { stack, cache, template, idOf, dataSubnets };
}

const group = (template: Template) => {
  const groups = Object.values(template.findResources('AWS::ElastiCache::ReplicationGroup'));
  expect(groups).toHaveLength(1);
  return groups[0];
};

describe('ReplicatedCache', () => {
  describe('with replicas', () => {
    const { template, cache, idOf, dataSubnets, stack } = build({ replicas: 2 });

    test('Redis encrypted in transit (TLS required) and at rest', () => {
      expect(group(template).Properties).toMatchObject({
        Engine: 'redis',
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'required',
        AtRestEncryptionEnabled: true,
      });
      expect(cache.access.tls).toBe(true);
    });

    test('the AUTH token is a dynamic reference to its own generated secret, never a literal', () => {
      const secretId = idOf(cache.authToken);
      expect(group(template).Properties.AuthToken).toEqual({
        'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
      });
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        // ElastiCache accepts 16-128 characters and rejects some punctuation.
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      });
      expect(stack.resolve(cache.access.authSecret!.secretArn)).toEqual({ Ref: secretId });
    });

    test('the nodes sit in the isolated subnets', () => {
      const subnetGroups = template.findResources('AWS::ElastiCache::SubnetGroup');
      expect(Object.values(subnetGroups).map((g) => g.Properties.SubnetIds)).toEqual([dataSubnets]);
      expect(group(template).Properties.CacheSubnetGroupName).toEqual({ Ref: Object.keys(subnetGroups)[0] });
    });

    test('one primary plus the replicas, with automatic failover across AZs and a daily snapshot', () => {
      expect(group(template).Properties).toMatchObject({
        NumCacheClusters: 3,
        AutomaticFailoverEnabled: true,
        MultiAZEnabled: true,
        SnapshotRetentionLimit: 1,
      });
    });

    test('deleted with the stack by default (PostgreSQL holds the truth)', () => {
      expect(group(template).DeletionPolicy).toBe('Delete');
      template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
    });
  });

  test.each([0, 1, 2])(
    '%i replica(s): NumCacheClusters is 1 + replicas; failover and Multi-AZ exactly when there are replicas',
    (replicas) => {
      const { template } = build({ replicas });
      expect(group(template).Properties).toMatchObject({
        NumCacheClusters: 1 + replicas,
        AutomaticFailoverEnabled: replicas > 0,
        MultiAZEnabled: replicas > 0,
      });
    },
  );

  test('the removal policy prop applies to the group and its token', () => {
    const { template } = build({ removalPolicy: RemovalPolicy.RETAIN });
    expect(group(template).DeletionPolicy).toBe('Retain');
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });

  describe('no public cache', () => {
    const { template, cache, idOf } = build();
    const sgId = idOf(cache.securityGroup);

    test('the group uses only its own security group, which has no ingress and no outbound of its own', () => {
      expect(group(template).Properties.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [sgId, 'GroupId'] }]);
      const sg = template.findResources('AWS::EC2::SecurityGroup')[sgId].Properties;
      expect(sg.SecurityGroupIngress).toBeUndefined();
      // allowAllOutbound: false renders as the CDK's match-nothing placeholder rule.
      expect(sg.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' }),
      ]);
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
      template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    });

    test('consumers open their own way in on 6379 through access.connections', () => {
      let client: ec2.SecurityGroup | undefined;
      const { template: consumed, idOf: idIn } = build({}, (c, vpc) => {
        client = new ec2.SecurityGroup(Stack.of(c), 'Client', { vpc });
        client.connections.allowToDefaultPort(c.access.connections!, 'Redis');
      });
      consumed.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [idIn(client!), 'GroupId'] },
        FromPort: 6379,
        ToPort: 6379,
      });
    });
  });
});
