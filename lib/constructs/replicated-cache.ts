import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CacheAccess } from './database-access.js';

export interface ReplicatedCacheProps {
  readonly vpc: ec2.IVpc;
  /** Isolated subnets of the cache nodes. */
  readonly subnets: ec2.SubnetSelection;
  /** e.g. `cache.t4g.micro`. */
  readonly nodeType: string;
  /** Replicas of the primary; with one or more, failover is automatic and Multi-AZ. */
  readonly replicas: number;
  /**
   * @default RemovalPolicy.DESTROY (a cache holds nothing that PostgreSQL does not)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * ElastiCache for Redis replication group: TLS in transit, encryption at rest, AUTH token from
 * Secrets Manager, nodes in isolated subnets, automatic failover across AZs when it has replicas.
 * There is no L2 construct for replication groups, hence the L1 resources.
 */
export class ReplicatedCache extends Construct {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly authToken: secretsmanager.Secret;
  readonly securityGroup: ec2.SecurityGroup;
  readonly access: CacheAccess;

  constructor(scope: Construct, id: string, props: ReplicatedCacheProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: 'Redis AUTH token of the Storefront cache',
      // ElastiCache accepts 16-128 printable characters without @, ", / in AUTH tokens.
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Redis replication group; consumers add their own ingress',
      allowAllOutbound: false,
    });
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: 'Isolated subnets of the Storefront cache',
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });
    const replicated = props.replicas > 0;
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Storefront cache-aside reads and the email send limiter',
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: props.nodeType,
      numCacheClusters: 1 + props.replicas,
      automaticFailoverEnabled: replicated,
      multiAzEnabled: replicated,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      authToken: this.authToken.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: replicated ? 1 : 0,
    });
    this.replicationGroup.applyRemovalPolicy(removalPolicy);
    Validations.of(this.replicationGroup).acknowledge(
      { id: 'AwsSolutions-AEC5', reason: "The port is not a security boundary: only consumers' security groups reach 6379." },
      ...(replicated ? [] : [{ id: 'AwsSolutions-AEC4', reason: 'No replica by stage config (cost): no Multi-AZ to enable.' }]),
    );
    Validations.of(this.authToken).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating an AUTH token needs ModifyReplicationGroup with ROTATE then SET around the secret update: scripts/rotate-redis-auth.sh (docs/runbook.md#rotate-redis-auth).',
    });
    this.access = {
      host: this.replicationGroup.attrPrimaryEndPointAddress,
      port: this.replicationGroup.attrPrimaryEndPointPort,
      tls: true,
      authSecret: this.authToken,
      connections: new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(6379) }),
    };
  }
}
