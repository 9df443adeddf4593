import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { type CheckovSkip, skipCheckov } from './checkov.js';
import type { DatabaseAccess } from './database-access.js';
import { acknowledgeGrantPolicy } from './nag.js';

export interface ReadReplicatedDatabaseProps {
  readonly vpc: ec2.IVpc;
  /** Subnets of the primary and replicas: isolated, no route to the internet. */
  readonly subnets: ec2.SubnetSelection;
  /** Subnets of the rotation function and the proxy's clients: they need the Secrets Manager API. */
  readonly appSubnets: ec2.SubnetSelection;
  readonly instanceType: ec2.InstanceType;
  /** Read replicas of the primary; 0 sends reads to the primary. */
  readonly readReplicas: number;
  /** Standby in a second AZ for the primary. */
  readonly multiAz: boolean;
  /**
   * @default 20
   */
  readonly allocatedStorageGiB?: number;
  /**
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * RDS Proxy in front of the primary, pooling the connections of short-lived Lambda containers.
   * @default false
   */
  readonly proxy?: boolean;
  /**
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * `SNAPSHOT` or `RETAIN` keeps the data when the stack goes.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Database created on the primary.
   * @default 'storefront'
   */
  readonly databaseName?: string;
}

/**
 * RDS PostgreSQL: a primary for writes and N read replicas for reads, encrypted, backed up, with a
 * rotated secret, Performance Insights and SSL enforced by the parameter group. No ingress rule is
 * written here: each consumer opens its own way in (see `access.connections`).
 */
export class ReadReplicatedDatabase extends Construct {
  readonly primary: rds.DatabaseInstance;
  readonly replicas: rds.DatabaseInstanceReadReplica[];
  readonly proxy?: rds.DatabaseProxy;
  readonly secret: secretsmanager.ISecret;
  readonly securityGroup: ec2.SecurityGroup;
  /** What services need to connect (runtime contract `DB_*`). */
  readonly access: DatabaseAccess;

  constructor(scope: Construct, id: string, props: ReadReplicatedDatabaseProps) {
    super(scope, id);
    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 });
    const databaseName = props.databaseName ?? 'storefront';
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'PostgreSQL primary and replicas; consumers add their own ingress',
      allowAllOutbound: false,
    });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Storefront PostgreSQL: TLS only, slow statements logged',
      parameters: { 'rds.force_ssl': '1', log_min_duration_statement: '500' },
    });
    const common = {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      instanceType: props.instanceType,
      parameterGroup,
      publiclyAccessible: false,
      enablePerformanceInsights: true,
      monitoringInterval: Duration.seconds(60),
      cloudwatchLogsExports: ['postgresql'],
      autoMinorVersionUpgrade: true,
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.SNAPSHOT,
      // Replicas must keep up with the primary's writes: same storage class, same autoscaling ceiling
      // (the CDK default for a replica is gp2 without a ceiling). Replicas take their size from the primary.
      storageType: rds.StorageType.GP3,
      maxAllocatedStorage: (props.allocatedStorageGiB ?? 20) * 5,
    };
    this.primary = new rds.DatabaseInstance(this, 'Primary', {
      ...common,
      engine,
      databaseName,
      credentials: rds.Credentials.fromGeneratedSecret('storefront'),
      // Major-version upgrade logs too (PCI DSS 10.2): the replicas replay what the primary ran.
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      multiAz: props.multiAz,
      allocatedStorage: props.allocatedStorageGiB ?? 20,
      storageEncrypted: true,
      backupRetention: props.backupRetention ?? Duration.days(7),
      copyTagsToSnapshot: true,
    });
    this.secret = this.primary.secret!;
    // The generated master secret defaults to DESTROY: a retained database would outlive its only password.
    const removal = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    (this.primary.node.findChild('Secret') as secretsmanager.Secret).applyRemovalPolicy(
      removal === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    );
    this.primary.addRotationSingleUser({ automaticallyAfter: Duration.days(30), vpcSubnets: props.appSubnets });

    const zones = props.vpc.selectSubnets(props.subnets).availabilityZones;
    this.replicas = Array.from(
      { length: props.readReplicas },
      (_, i) =>
        new rds.DatabaseInstanceReadReplica(this, `Replica${i + 1}`, {
          ...common,
          sourceDatabaseInstance: this.primary,
          // One replica per zone, in turn, so losing a zone never takes every replica with it.
          availabilityZone: zones[i % zones.length],
        }),
    );

    if (props.proxy) {
      this.proxy = this.primary.addProxy('Proxy', {
        secrets: [this.secret],
        vpc: props.vpc,
        vpcSubnets: props.subnets,
        securityGroups: [this.securityGroup],
        requireTLS: true,
        borrowTimeout: Duration.seconds(5),
      });
    }

    for (const instance of [this.primary, ...this.replicas]) this.acknowledge(instance, props);
    // The ingress rules the rotation function and RDS Proxy add on the instance's port, a token here.
    for (const id of ['PCI.DSS.321-EC2RestrictedCommonPorts', 'PCI.DSS.321-EC2RestrictedSSH']) {
      Validations.of(this.securityGroup).acknowledge({
        id,
        reason:
          "The rule cannot read a port given as the instance's Endpoint.Port attribute; every ingress of this group is from a security group (rotation function, RDS Proxy, consumers) on PostgreSQL's port, never from an address range.",
      });
    }
    acknowledgeGrantPolicy(this.proxy?.node.tryFindChild('IAMRole'));

    const replicaHosts = this.replicas.map((r) => r.dbInstanceEndpointAddress);
    this.access = {
      writerHost: this.proxy ? this.proxy.endpoint : this.primary.dbInstanceEndpointAddress,
      readerHosts: replicaHosts.length > 0 ? replicaHosts : [this.primary.dbInstanceEndpointAddress],
      port: '5432',
      name: databaseName,
      secret: this.secret,
      ssl: 'require',
      connections: new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(5432) }),
    };
  }

  private acknowledge(instance: rds.DatabaseInstanceBase, props: ReadReplicatedDatabaseProps): void {
    const isPrimary = instance === this.primary;
    const findings = [
      { id: 'AwsSolutions-RDS11', reason: "The port is not a security boundary: only consumers' security groups reach 5432." },
    ];
    if (!isPrimary) {
      for (const id of ['AwsSolutions-RDS2', 'PCI.DSS.321-RDSStorageEncrypted']) {
        findings.push({
          id,
          reason: 'A replica inherits encryption from its encrypted primary; CloudFormation rejects StorageEncrypted on replicas.',
        });
      }
      findings.push({
        id: 'AwsSolutions-RDS3',
        reason: 'Replicas are single-AZ; when one fails, reads fall back to the primary (Multi-AZ in prod).',
      });
      findings.push({
        id: 'CloudFormation-Validate::W3010',
        reason: "Replicas are pinned to the data subnets' zones in turn, so losing one zone never takes every replica.",
      });
    } else if (!props.multiAz) {
      findings.push({ id: 'AwsSolutions-RDS3', reason: 'Single-AZ primary by stage config (cost); prod is Multi-AZ.' });
    }
    if (!props.deletionProtection) {
      findings.push({ id: 'AwsSolutions-RDS10', reason: 'Deletion protection is off by stage config for throwaway stages; on in prod.' });
    }
    Validations.of(instance).acknowledge(...findings);
    const skips: CheckovSkip[] = [];
    if (isPrimary) {
      skips.push({
        id: 'CKV_AWS_161',
        comment:
          'Clients sign in with the rotated Secrets Manager password (through RDS Proxy in prod); IAM auth would add an unused way in, and AWS advises it for under 200 new connections per second',
      });
      if (!props.multiAz) skips.push({ id: 'CKV_AWS_157', comment: 'Single-AZ primary by stage config (cost); prod is Multi-AZ' });
    } else {
      skips.push(
        {
          id: 'CKV_AWS_16',
          comment: 'A replica inherits encryption from its encrypted primary; CloudFormation rejects StorageEncrypted on replicas',
        },
        { id: 'CKV_AWS_157', comment: 'Replicas are single-AZ; when one fails, reads fall back to the primary (Multi-AZ in prod)' },
      );
    }
    skipCheckov(instance, ...skips);
    const monitoringRole = instance.node.tryFindChild('MonitoringRole');
    if (monitoringRole) {
      Validations.of(monitoringRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
        reason: 'The AWS-maintained policy Enhanced Monitoring requires.',
      });
    }
  }
}
