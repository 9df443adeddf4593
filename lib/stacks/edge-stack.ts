import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import { RateLimitedWebAcl, type WebAclLogging } from '../constructs/rate-limited-web-acl.js';

/** Per-IP WAF limits of a stage, requests per evaluation window. */
export interface WafLimits {
  readonly requestsPerIp: number;
  readonly loginRequestsPerIp: number;
  /**
   * Evaluation window in seconds (60, 120, 300 or 600).
   * @default 300
   */
  readonly evaluationWindowSeconds?: number;
}

/** The shop's own domain and the id of its public hosted zone (imported, never looked up). */
export interface ShopDomain {
  readonly name: string;
  readonly hostedZoneId: string;
}

/** Path of the login route as the edge sees it (API prefix + contract path). */
export const LOGIN_PATH = '/api/auth/login';

export interface EdgeStackProps extends StackProps {
  readonly waf: WafLimits;
  /**
   * Custom domain; when set, a DNS-validated certificate for it and `www.` is issued here.
   * @default - no certificate
   */
  readonly domain?: ShopDomain;
  /**
   * Request log of the web ACL.
   * @default - none
   */
  readonly wafLogging?: WebAclLogging;
}

/**
 * What CloudFront needs from us-east-1: the CLOUDFRONT web ACL and, with a domain, the certificate.
 */
export class EdgeStack extends Stack {
  readonly webAcl: RateLimitedWebAcl;
  readonly certificate?: acm.ICertificate;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    this.webAcl = new RateLimitedWebAcl(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      requestsPerIp: props.waf.requestsPerIp,
      pathRateLimits: [{ pathPrefix: LOGIN_PATH, requestsPerIp: props.waf.loginRequestsPerIp }],
      evaluationWindow: props.waf.evaluationWindowSeconds ? Duration.seconds(props.waf.evaluationWindowSeconds) : undefined,
      logging: props.wafLogging,
    });
    if (props.domain) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: props.domain.hostedZoneId,
        zoneName: props.domain.name,
      });
      this.certificate = new acm.Certificate(this, 'Certificate', {
        domainName: props.domain.name,
        subjectAlternativeNames: [`www.${props.domain.name}`],
        validation: acm.CertificateValidation.fromDns(zone),
      });
    }
  }
}
