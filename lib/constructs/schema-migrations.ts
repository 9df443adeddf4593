import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CfnElement, CustomResource, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { skipCheckov } from './checkov.js';
import type { DatabaseAccess } from './database-access.js';
import { acknowledgeLibraryFunction } from './nag.js';
import { ServiceFunction, acknowledgeLambdaRole } from './service-function.js';

const REPO_ROOT = path.join(__dirname, '..', '..');
/** Where the SQL migrations live, relative to the repository root (runtime contract). */
export const MIGRATIONS_DIR = 'db/migrations';

export interface SchemaMigrationsProps {
  readonly database: DatabaseAccess;
  /**
   * VPC and subnets of the migration function (it must reach the database and Secrets Manager).
   * @default - not in a VPC (an external database)
   */
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * @default - the ServiceFunction default
   */
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Folder of the `.sql` files, inside this repository: shipped with the function and hashed.
   * @default `db/migrations` in this repository
   */
  readonly migrationsDir?: string;
}

/**
 * Applies `db/migrations/*.sql` on every deploy that changes them, in order and idempotently (the
 * runner records what it applied). The files' hash is a property of the custom resource, so
 * CloudFormation sends an Update exactly when the SQL changes.
 */
export class SchemaMigrations extends Construct {
  readonly resource: CustomResource;
  readonly handler: ServiceFunction;

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id);
    const dir = path.resolve(props.migrationsDir ?? path.join(REPO_ROOT, MIGRATIONS_DIR));
    // The bundler copies the folder from the repository root, where it runs.
    const shipped = path.relative(REPO_ROOT, dir);
    if (shipped.startsWith('..') || path.isAbsolute(shipped)) {
      throw new Error(`SchemaMigrations: migrationsDir must be inside the repository (${REPO_ROOT}), got ${dir}`);
    }
    const migrationsHash = hashDirectory(dir);
    const { database } = props;
    this.handler = new ServiceFunction(this, 'Handler', {
      service: 'migrate',
      entry: path.join(REPO_ROOT, 'lambda', 'migrate', 'handler.ts'),
      timeout: Duration.minutes(5),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      extraFiles: [[shipped, 'migrations']],
      environment: {
        DB_WRITER_HOST: database.writerHost,
        DB_PORT: database.port,
        DB_NAME: database.name,
        DB_SECRET_ARN: database.secret.secretArn,
        DB_SSL: database.ssl,
        MIGRATIONS_DIR: './migrations',
      },
    });
    database.secret.grantRead(this.handler.function);
    if (database.connections && props.vpc) {
      this.handler.function.connections.allowTo(database.connections, ec2.Port.tcp(Number(database.port)), 'Schema migrations');
    }
    if (!props.vpc) {
      skipCheckov(this.handler.function, {
        id: 'CKV_AWS_117',
        comment: 'External database (the local stage: PostgreSQL on 127.0.0.1) reached without a VPC',
      });
    }
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: this.handler.function });
    const frameworkFunction = provider.node.tryFindChild('framework-onEvent');
    if (frameworkFunction instanceof lambda.Function) {
      skipCheckov(frameworkFunction, {
        id: 'CKV_AWS_117',
        comment:
          'The aws-cdk-lib Provider framework function only invokes the migration function (which is in the VPC); it reaches no data',
      });
      acknowledgeLambdaRole(frameworkFunction);
      acknowledgeLibraryFunction(frameworkFunction, ['memory', 'vpc']);
      const handlerId = Stack.of(this).getLogicalId(this.handler.function.node.defaultChild as CfnElement);
      Validations.of(frameworkFunction.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${handlerId}.Arn>:*]`,
        reason: 'The Provider framework may invoke any version of the migration function it fronts.',
      });
    }
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SchemaMigrations',
      properties: { MigrationsHash: migrationsHash },
    });
  }
}

function hashDirectory(dir: string): string {
  const hash = crypto.createHash('sha256');
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.sql'))
        .sort()
    : [];
  // An empty hash would deploy a database with no schema and call it migrated.
  if (files.length === 0) throw new Error(`SchemaMigrations: no .sql migration in ${dir}`);
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(dir, file)))
      .update('\0');
  return hash.digest('hex');
}
