import type { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type PathRateLimit, RateLimitedWebAcl, type RequiredHeader, type WebAclLogging } from './rate-limited-web-acl.js';

export interface ApiStageWebAclProps {
  /** The API stage the ACL guards. */
  readonly stageArn: string;
  /**
   * Behind CloudFront: the header proving a request came through it. Per-IP limits are then the
   * CloudFront ACL's, the only one that sees the client's address (ADR 0021).
   * @default - clients call the stage directly, and this ACL limits per source IP itself
   */
  readonly originHeader?: RequiredHeader;
  /** Requests per source IP and window when clients call the stage directly. */
  readonly requestsPerIp: number;
  /** Stricter per-IP limits (login) when clients call the stage directly. */
  readonly pathRateLimits: readonly PathRateLimit[];
  /**
   * Window over which WAF counts requests per IP.
   * @default - RateLimitedWebAcl's (five minutes)
   */
  readonly evaluationWindow?: Duration;
  /**
   * Request log of the ACL (PCI DSS 10.x: staging and prod).
   * @default - none
   */
  readonly logging?: WebAclLogging;
}

/**
 * The REGIONAL web ACL on the API stage: behind CloudFront it proves the request came through
 * CloudFront and runs the managed rules; called directly, it limits per source IP. Only the stage:
 * the internal ALB admits nothing but the VPC link, whose traffic this ACL has already inspected at
 * the stage, and a second association would bill every request twice.
 */
export class ApiStageWebAcl extends RateLimitedWebAcl {
  constructor(scope: Construct, id: string, props: ApiStageWebAclProps) {
    const direct = props.originHeader === undefined;
    super(scope, id, {
      scope: 'REGIONAL',
      requestsPerIp: direct ? props.requestsPerIp : undefined,
      pathRateLimits: direct ? props.pathRateLimits : undefined,
      evaluationWindow: props.evaluationWindow,
      requiredHeader: props.originHeader,
      logging: props.logging,
    });
    this.associate('ApiStageAssociation', props.stageArn);
  }
}
