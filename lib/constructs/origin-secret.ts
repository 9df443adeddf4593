import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Header CloudFront adds to every origin request and the regional web ACL insists on. */
export const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';

/** Versions of the secret the templates name (docs/runbook.md#rotate-origin-secret). */
export interface OriginSecretVersions {
  /** The version CloudFront sends (and the web ACL accepts). */
  readonly versionId: string;
  /**
   * A version the web ACL still accepts during a rotation: the one CloudFront sent until now.
   * @default - only `versionId` is accepted
   */
  readonly previousVersionId?: string;
}

export interface OriginSecretProps {
  /**
   * What happens to the secret when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Pin the references to secret versions. CloudFormation resolves a dynamic reference only when
   * the template around it changes, so a new value put into the secret reaches neither CloudFront
   * nor the web ACL by itself, and a later edit of one of them alone would send or expect a value
   * the other does not know (403 for every request). Naming the version makes a rotation a template
   * change of both, applied in dependency order: the web ACL (Services) first, then CloudFront (Cdn).
   * @default - both follow AWSCURRENT as of their last update (first deploy)
   */
  readonly versions?: OriginSecretVersions;
}

/**
 * A generated shared secret proving a request came through CloudFront: CloudFront sends it as
 * `X-Origin-Verify`, the regional web ACL on API Gateway blocks requests without it. Templates only
 * hold `{{resolve:secretsmanager:...}}` references to it (ADR 0012).
 */
export class OriginSecret extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly headerName = ORIGIN_VERIFY_HEADER;
  /** Dynamic reference to the value CloudFront sends; never the value itself. */
  readonly headerValue: string;
  /** Dynamic references to every value the web ACL accepts: `headerValue`, and the previous one during a rotation. */
  readonly acceptedValues: readonly string[];

  constructor(scope: Construct, id: string, props: OriginSecretProps = {}) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Resource', {
      description: 'Shared secret CloudFront sends to the API origin (X-Origin-Verify)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    const valueOf = (versionId?: string) => SecretValue.secretsManager(this.secret.secretArn, { versionId }).unsafeUnwrap();
    this.headerValue = valueOf(props.versions?.versionId);
    const previous = props.versions?.previousVersionId;
    this.acceptedValues = previous && previous !== props.versions?.versionId ? [this.headerValue, valueOf(previous)] : [this.headerValue];
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'CloudFront and the web ACL must change in order (ACL accepts both, then CloudFront sends the new one): rotated by the pinned-version procedure, docs/runbook.md#rotate-origin-secret',
    });
  }
}
