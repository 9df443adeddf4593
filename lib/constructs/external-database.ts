import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { DatabaseAccess } from './database-access.js';

export interface ExternalDatabaseCredentialsProps {
  /** The server's address, as the services reach it. */
  readonly host: string;
  /**
   * Read replicas, `host[:port]`.
   * @default - reads go to `host`
   */
  readonly readerHosts?: readonly string[];
  readonly port: number;
  readonly username: string;
  /**
   * What happens to the secret when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A PostgreSQL server the stage does not run (the local one): the services still read its
 * credentials from a secret, as from RDS, so their code and grants are the same in every stage.
 */
export class ExternalDatabaseCredentials extends secretsmanager.Secret {
  /** How the services reach it; no security group (nothing in the VPC guards it). */
  readonly access: DatabaseAccess;

  constructor(scope: Construct, id: string, props: ExternalDatabaseCredentialsProps) {
    super(scope, id, {
      description: 'Credentials of the external PostgreSQL',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: props.username }),
        generateStringKey: 'password',
        excludePunctuation: true,
      },
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'An external server (the local PostgreSQL) has no rotation function to call.',
    });
    this.access = {
      writerHost: props.host,
      readerHosts: props.readerHosts && props.readerHosts.length > 0 ? props.readerHosts : [props.host],
      port: String(props.port),
      name: 'storefront',
      secret: this,
      ssl: 'disable',
    };
  }
}
