import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

export interface TokenSigningKeyProps {
  /**
   * What happens to the key when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The key signing the shop's session tokens (auth signs, the authorizer and services verify). */
export class TokenSigningKey extends secretsmanager.Secret {
  constructor(scope: Construct, id: string, props: TokenSigningKeyProps = {}) {
    super(scope, id, {
      description: "Key signing the shop's session tokens",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the signing key signs every session out unless verifiers accept two keys; rotated by hand (docs/runbook.md#rotate-token-key).',
    });
  }
}
