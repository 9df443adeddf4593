import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnElement, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { skipCheckov } from './checkov.js';
import { acknowledgeGrantPolicy, acknowledgeLibraryFunction, acknowledgeLogBucket } from './nag.js';

/** The storefront page, deployed as-is (no build step). */
export const WEB_DIR = path.join(__dirname, '..', '..', 'web');

/**
 * The API's OpenAPI document and its rendering (`npm run docs:openapi`), served beside the page
 * under `docs/`, by bucket key.
 */
export const PUBLISHED_DOCS: Readonly<Record<string, string>> = {
  'docs/openapi.json': path.join(__dirname, '..', '..', 'docs', 'openapi.json'),
  'docs/api.html': path.join(__dirname, '..', '..', 'docs', 'api.html'),
};

/**
 * The inline scripts of a page as CSP sources: the rendered API reference carries its script inline
 * (no CDN), and a hash per script lets exactly those run, not any injected one.
 */
export function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)]
    .filter((m) => m[1].length > 0)
    .map((m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`);
}

/** Path prefix of the API at the edge; also the API Gateway stage name, so no rewrite is needed. */
export const API_PATH_PREFIX = '/api';

export interface StorefrontCdnProps {
  /** The REST API behind `/api/*`; its stage must be named like the prefix (`api`). */
  readonly api: apigateway.IRestApi;
  /** Header CloudFront adds to every API request so the regional web ACL lets it through. */
  readonly originHeader: { readonly name: string; readonly value: string };
  /**
   * CLOUDFRONT-scope web ACL (us-east-1), by ARN.
   * @default - no web ACL
   */
  readonly webAclArn?: string;
  /**
   * Custom domain names (apex and `www`), with a us-east-1 certificate covering them.
   * @default - the distribution's own `*.cloudfront.net` name
   */
  readonly domain?: { readonly names: readonly string[]; readonly certificate: acm.ICertificate };
  /**
   * How long the edge may serve `GET /api/products*` without asking the API.
   * @default Duration.seconds(30)
   */
  readonly productsCacheTtl?: Duration;
  /**
   * API base the page uses, written to `config.json` beside it.
   * @default '/api' (same origin, through this distribution)
   */
  readonly pageApiBase?: string;
  /**
   * Upload the page (and its `config.json`) with a BucketDeployment. Off where the platform cannot
   * run it; the bucket is then filled from outside (`scripts/local.sh`).
   * @default true
   */
  readonly deployPage?: boolean;
  /**
   * Days CloudFront and S3 access logs are kept.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /**
   * What happens to the site and log buckets when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Edge locations served.
   * @default cloudfront.PriceClass.PRICE_CLASS_100
   */
  readonly priceClass?: cloudfront.PriceClass;
}

/**
 * The shop's front door: a CloudFront distribution serving the storefront page from a private S3
 * bucket (OAC) and `/api/*` from API Gateway, HTTPS only, with security headers, a short edge
 * cache for product reads and none for the rest of the API, and access logs.
 */
export class StorefrontCdn extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly siteBucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  /** `https://` + the first custom domain or the distribution's domain. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: StorefrontCdnProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.logBucket = new s3.Bucket(this, 'Logs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // CloudFront standard logging writes with ACLs.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(props.logRetentionDays ?? 90) }],
      removalPolicy,
    });
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket; logging it into itself would loop',
    });
    acknowledgeLogBucket(
      this.logBucket,
      'CloudFront standard logging and S3 server access logging',
      'write through ACLs and bucket policies, which SSE-KMS would also need key grants for; the logs hold no card data (payments never pass through the page).',
    );
    skipCheckov(
      this.logBucket,
      { id: 'CKV_AWS_18', comment: 'This is the access-log bucket; logging it into itself would loop' },
      {
        id: 'CKV_AWS_21',
        comment:
          'Log objects are written once and expire by lifecycle; versions would only keep expired logs (tamper-proofing would be Object Lock)',
      },
    );

    this.siteBucket = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/',
      // A bad page deploy can be rolled back from the previous versions for a month.
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy,
    });

    Validations.of(this.siteBucket).acknowledge(
      {
        id: 'PCI.DSS.321-S3BucketReplicationEnabled',
        reason:
          'The page is public and built from the repository: a lost bucket is redeployed by BucketDeployment, and versions keep a month of history.',
      },
      {
        id: 'PCI.DSS.321-S3DefaultEncryptionKMS',
        reason:
          'SSE-S3: the bucket holds the public storefront page and its public config, nothing confidential; CloudFront reads it through OAC.',
      },
    );

    const apiBase = props.pageApiBase ?? API_PATH_PREFIX;
    // A page pointed at API Gateway directly (emulator) must be allowed to call it cross-origin.
    const crossOriginApi = apiBase === API_PATH_PREFIX ? '' : ' https: http://localhost:* http://127.0.0.1:*';
    const securityHeaders = this.securityHeaders('SecurityHeaders', 'Storefront security headers', [
      "default-src 'self'",
      `connect-src 'self'${crossOriginApi}`,
      "img-src 'self' data:",
    ]);
    // The API reference (Redoc) styles itself and embeds its fonts inline; its scripts run by hash
    // only (checked in headless Chromium: it renders under this policy).
    const docsHeaders = this.securityHeaders('DocsSecurityHeaders', 'Storefront API reference security headers', [
      "default-src 'self'",
      `script-src 'self' ${inlineScriptHashes(fs.readFileSync(PUBLISHED_DOCS['docs/api.html'], 'utf8')).join(' ')}`,
      "style-src 'self' 'unsafe-inline'",
      "font-src 'self' data:",
      "img-src 'self' data:",
    ]);

    const region = props.api.env.region;
    const apiOrigin = new origins.HttpOrigin(`${props.api.restApiId}.execute-api.${region}.${Stack.of(this).urlSuffix}`, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      customHeaders: { [props.originHeader.name]: props.originHeader.value },
    });
    // Authorization cannot go through an origin request policy; it must be in the cache key. A
    // zero default TTL with a 1 s ceiling keeps the API effectively uncached while allowing that.
    const apiNoCache = new cloudfront.CachePolicy(this, 'ApiNoCache', {
      comment: 'Storefront API: not cached, Authorization forwarded',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    });
    const productsTtl = props.productsCacheTtl ?? Duration.seconds(30);
    const productsCache = new cloudfront.CachePolicy(this, 'ProductsCache', {
      comment: 'Storefront product reads: short edge cache',
      minTtl: Duration.seconds(0),
      defaultTtl: productsTtl,
      maxTtl: productsTtl,
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const apiRequests = new cloudfront.OriginRequestPolicy(this, 'ApiRequests', {
      comment: 'Storefront API: headers the services read (never Host)',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('Idempotency-Key', 'Content-Type', 'Accept'),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
    const apiBehavior = {
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      originRequestPolicy: apiRequests,
      responseHeadersPolicy: securityHeaders,
    };

    const siteOrigin = origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket);
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Storefront',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: siteOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
      },
      // Order matters: CloudFront picks the first matching pattern.
      additionalBehaviors: {
        [`${API_PATH_PREFIX}/products*`]: {
          ...apiBehavior,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
          cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
          cachePolicy: productsCache,
        },
        [`${API_PATH_PREFIX}/*`]: {
          ...apiBehavior,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: apiNoCache,
        },
        '/docs/*': {
          origin: siteOrigin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: docsHeaders,
        },
      },
      domainNames: props.domain ? [...props.domain.names] : undefined,
      certificate: props.domain?.certificate,
      // Only meaningful with a custom certificate; the default one has CloudFront's fixed floor.
      minimumProtocolVersion: props.domain ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      webAclId: props.webAclArn,
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'The shop sells worldwide; no country is restricted',
    });
    if (!props.domain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason: 'Without a custom domain the default *.cloudfront.net certificate is used, whose TLS floor CloudFront fixes',
      });
      skipCheckov(this.distribution, {
        id: 'CKV_AWS_174',
        comment:
          'No custom domain in this stage: the default *.cloudfront.net certificate cannot take a minimum protocol version (TLSv1.2_2021 with a domain)',
      });
    }

    if (props.deployPage ?? true) {
      const deployment = new s3deploy.BucketDeployment(this, 'Page', {
        sources: [
          s3deploy.Source.asset(WEB_DIR),
          s3deploy.Source.jsonData('config.json', { apiBase }),
          ...Object.entries(PUBLISHED_DOCS).map(([key, file]) => s3deploy.Source.data(key, fs.readFileSync(file, 'utf8'))),
        ],
        destinationBucket: this.siteBucket,
        distribution: this.distribution,
        distributionPaths: ['/*'],
        memoryLimit: 256,
      });
      this.acknowledgeDeploymentHandler(deployment);
    }

    const domain = props.domain?.names[0] ?? this.distribution.distributionDomainName;
    this.url = `https://${domain}`;
  }

  /** A response headers policy: `csp` plus the directives and headers every page of the shop gets. */
  private securityHeaders(id: string, comment: string, csp: readonly string[]): cloudfront.ResponseHeadersPolicy {
    return new cloudfront.ResponseHeadersPolicy(this, id, {
      comment,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: [...csp, "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"].join(
            '; ',
          ),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });
  }

  /**
   * The BucketDeployment handler is a CDK-managed singleton function: its runtime, managed policy
   * and S3 wildcards are the library's, each acknowledged here with the finding it answers.
   */
  private acknowledgeDeploymentHandler(deployment: s3deploy.BucketDeployment) {
    const stack = Stack.of(this);
    const handler = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    const siteId = stack.getLogicalId(this.siteBucket.node.defaultChild as CfnElement);
    // With partition literals on, an environment-specific stack writes `aws`, otherwise the pseudo parameter.
    const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
    const reasons: Record<string, string> = {
      'AwsSolutions-L1': 'Runtime chosen by aws-cdk-lib for its BucketDeployment handler',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        'BucketDeployment handler: the basic execution policy only writes its own logs',
      'AwsSolutions-IAM5[Resource::*]': 'cloudfront:CreateInvalidation has no resource-level scoping in the handler policy',
      [`AwsSolutions-IAM5[Resource::<${siteId}.Arn>/*]`]: 'The handler replaces the page objects in the site bucket',
      [`AwsSolutions-IAM5[Resource::arn:${partition}:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*]`]:
        'The handler reads the page asset from the CDK assets bucket',
    };
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      reasons[`AwsSolutions-IAM5[Action::${action}]`] = 'Grant methods of aws-cdk-lib used by BucketDeployment';
    }
    for (const target of [deployment.handlerRole, handler].filter((c): c is IConstruct => c !== undefined)) {
      for (const [id, reason] of Object.entries(reasons)) Validations.of(target).acknowledge({ id, reason });
    }
    acknowledgeGrantPolicy(deployment.handlerRole);
    if (handler) acknowledgeLibraryFunction(handler, ['runtime', 'vpc']);
    const policy = deployment.handlerRole.node.tryFindChild('DefaultPolicy');
    if (policy) {
      skipCheckov(policy, {
        id: 'CKV_AWS_111',
        comment:
          'Policy of the aws-cdk-lib BucketDeployment handler: the library grants cloudfront:CreateInvalidation on * (not configurable); its S3 writes are scoped to the site bucket',
      });
    }
  }
}
