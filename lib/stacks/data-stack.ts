import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { CacheConfig, DatabaseConfig } from '../config/index.js';
import type { CacheAccess, DatabaseAccess } from '../constructs/database-access.js';
import { ExternalDatabaseCredentials } from '../constructs/external-database.js';
import { IdempotencyTable } from '../constructs/idempotency-table.js';
import { ReadReplicatedDatabase } from '../constructs/read-replicated-database.js';
import { ReplicatedCache } from '../constructs/replicated-cache.js';
import { SchemaMigrations } from '../constructs/schema-migrations.js';

export interface DataStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly appSubnets: ec2.SubnetSelection;
  readonly dataSubnets: ec2.SubnetSelection;
  readonly database: DatabaseConfig;
  readonly cache: CacheConfig;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Everything stateful: PostgreSQL (RDS, or an external server such as the local one), the Redis
 * cache (ElastiCache, or external), the idempotency table, and the schema migrations that shape
 * the database. Terminated only on purpose: termination protection is on in prod.
 */
export class DataStack extends Stack {
  readonly database: DatabaseAccess;
  readonly cache: CacheAccess;
  readonly idempotencyTable: dynamodb.ITable;
  readonly rds?: ReadReplicatedDatabase;
  readonly redis?: ReplicatedCache;
  readonly migrations: SchemaMigrations;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const db = props.database;
    // Only RDS can leave a snapshot behind; everything else keeps its data by being retained.
    const keepPolicy = props.removalPolicy === RemovalPolicy.SNAPSHOT ? RemovalPolicy.RETAIN : props.removalPolicy;
    if (db.kind === 'rds') {
      this.rds = new ReadReplicatedDatabase(this, 'Database', {
        vpc: props.vpc,
        subnets: props.dataSubnets,
        appSubnets: props.appSubnets,
        instanceType: new ec2.InstanceType(db.instanceType),
        readReplicas: db.readReplicas,
        multiAz: db.multiAz,
        allocatedStorageGiB: db.allocatedStorageGiB,
        backupRetention: Duration.days(db.backupRetentionDays),
        proxy: db.proxy,
        deletionProtection: props.deletionProtection,
        removalPolicy: props.removalPolicy,
      });
      this.database = this.rds.access;
    } else {
      const { host, readerHosts, port, username } = db;
      this.database = new ExternalDatabaseCredentials(this, 'DatabaseCredentials', {
        host,
        readerHosts,
        port,
        username,
        removalPolicy: keepPolicy,
      }).access;
    }

    const cache = props.cache;
    if (cache.kind === 'elasticache') {
      this.redis = new ReplicatedCache(this, 'Cache', {
        vpc: props.vpc,
        subnets: props.dataSubnets,
        nodeType: cache.nodeType,
        replicas: cache.replicas,
      });
      this.cache = this.redis.access;
    } else {
      this.cache = { host: cache.host, port: String(cache.port), tls: false };
    }

    this.idempotencyTable = new IdempotencyTable(this, 'Idempotency', {
      pointInTimeRecovery: props.pointInTimeRecovery,
      deletionProtection: props.deletionProtection,
      removalPolicy: keepPolicy,
    }).table;

    this.migrations = new SchemaMigrations(this, 'Migrations', {
      database: this.database,
      vpc: this.rds ? props.vpc : undefined,
      vpcSubnets: props.appSubnets,
      logRetention: props.logRetention,
      removalPolicy: keepPolicy,
    });
    // Through the proxy, the schema can be applied only once the proxy has its target registered.
    if (this.rds?.proxy) this.migrations.resource.node.addDependency(this.rds.proxy);
  }
}
