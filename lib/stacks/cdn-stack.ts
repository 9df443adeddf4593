import { CfnOutput, type Duration, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import { API_PATH_PREFIX, StorefrontCdn } from '../constructs/storefront-cdn.js';
import { StorefrontDns } from '../constructs/storefront-dns.js';
import type { ShopDomain } from './edge-stack.js';

/** Where clients reach the API: through CloudFront (`/api` on the shop's domain) or API Gateway directly. */
export type PublicApi = 'cloudfront' | 'apigateway';

export interface CdnStackProps extends StackProps {
  readonly api: apigateway.IRestApi;
  /** Invoke URL of the API stage, used by the page when `publicApi` is `apigateway`. */
  readonly apiGatewayUrl: string;
  readonly originHeader: { readonly name: string; readonly value: string };
  /** ARN of the CLOUDFRONT web ACL (edge stack, us-east-1; see ADR 0013 for the reference). */
  readonly webAclArn: string;
  /**
   * Custom domain, with the us-east-1 certificate from the edge stack.
   * @default - served on the distribution's own domain, no DNS records
   */
  readonly domain?: ShopDomain & { readonly certificate: acm.ICertificate };
  /** Where clients reach the API; `ApiUrl` is output here only for `cloudfront`. */
  readonly publicApi: PublicApi;
  /**
   * Upload the page with CDK (BucketDeployment); otherwise the `SiteBucketName` output tells a
   * script where to put it.
   * @default true
   */
  readonly deployPage?: boolean;
  /**
   * Edge cache TTL of `GET /api/products*`.
   * @default 30 seconds
   */
  readonly productsCacheTtl?: Duration;
  /**
   * Removal policy of the site and log buckets.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The CloudFront front door, the page in S3, and the DNS records when the shop has a domain. */
export class CdnStack extends Stack {
  readonly cdn: StorefrontCdn;

  constructor(scope: Construct, id: string, props: CdnStackProps) {
    super(scope, id, props);
    this.cdn = new StorefrontCdn(this, 'Cdn', {
      api: props.api,
      originHeader: props.originHeader,
      webAclArn: props.webAclArn,
      domain: props.domain && {
        names: [props.domain.name, `www.${props.domain.name}`],
        certificate: props.domain.certificate,
      },
      productsCacheTtl: props.productsCacheTtl,
      pageApiBase: props.publicApi === 'cloudfront' ? API_PATH_PREFIX : props.apiGatewayUrl,
      deployPage: props.deployPage,
      removalPolicy: props.removalPolicy,
    });
    if (props.domain) {
      new StorefrontDns(this, 'Dns', {
        zone: route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
          hostedZoneId: props.domain.hostedZoneId,
          zoneName: props.domain.name,
        }),
        distribution: this.cdn.distribution,
      });
    }

    new CfnOutput(this, 'StorefrontUrl', { value: this.cdn.url, description: 'The shop' });
    new CfnOutput(this, 'SiteBucketName', { value: this.cdn.siteBucket.bucketName, description: 'Bucket holding the storefront page' });
    if (props.publicApi === 'cloudfront') {
      new CfnOutput(this, 'ApiUrl', { value: `${this.cdn.url}${API_PATH_PREFIX}`, description: 'Public API base URL' });
    }
  }
}
