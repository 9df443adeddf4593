import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Header CloudFront adds to every origin request and the regional web ACL insists on. */
export const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';

export interface OriginSecretProps {
  /**
   * What happens to the secret when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A generated shared secret proving a request came through CloudFront: CloudFront sends it as
 * `X-Origin-Verify`, the regional web ACL on API Gateway and the ALB blocks requests without it.
 * Templates only hold a `{{resolve:secretsmanager:...}}` reference to it (ADR 0012).
 */
export class OriginSecret extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly headerName = ORIGIN_VERIFY_HEADER;
  /** Dynamic reference resolved by CloudFormation at deploy time; never the value itself. */
  readonly headerValue: string;

  constructor(scope: Construct, id: string, props: OriginSecretProps = {}) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Resource', {
      description: 'Shared secret CloudFront sends to the API origin (X-Origin-Verify)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.headerValue = this.secret.secretValue.unsafeUnwrap();
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating it would need CloudFront and WAF updated in lockstep; it is rotated by redeploying with a new secret (runbook)',
    });
  }
}
