import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/** How services reach PostgreSQL (runtime contract `DB_*`), whatever runs it. */
export interface DatabaseAccess {
  /** Primary endpoint, or the RDS Proxy endpoint. */
  readonly writerHost: string;
  /** Read-replica endpoints; may be just the writer. */
  readonly readerHosts: readonly string[];
  readonly port: string;
  readonly name: string;
  /** Secret in RDS JSON shape `{username, password}`. */
  readonly secret: secretsmanager.ISecret;
  readonly ssl: 'require' | 'disable';
  /**
   * Security group(s) in front of the database; the consumers open their own way in.
   * @default - none (an external database, e.g. local PostgreSQL)
   */
  readonly connections?: ec2.IConnectable;
}

/** How services reach Redis (runtime contract `REDIS_*`), whatever runs it. */
export interface CacheAccess {
  readonly host: string;
  readonly port: string;
  readonly tls: boolean;
  /**
   * Secret whose value is the AUTH token.
   * @default - no AUTH
   */
  readonly authSecret?: secretsmanager.ISecret;
  /**
   * Security group(s) of the replication group.
   * @default - none (an external Redis)
   */
  readonly connections?: ec2.IConnectable;
}
