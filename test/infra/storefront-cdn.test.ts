import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as fs from 'node:fs';
import { inlineScriptHashes, PUBLISHED_DOCS, StorefrontCdn } from '../../lib/constructs/storefront-cdn.js';

const ORIGIN_HEADER = { name: 'X-Origin-Verify', value: '{{resolve:secretsmanager:origin:SecretString:::}}' };

function build(withDomain = false) {
  const stack = new Stack(new App(), 'Cdn', { env: { account: '111111111111', region: 'eu-west-1' } });
  const api = apigateway.RestApi.fromRestApiId(stack, 'Api', 'abc123');
  new StorefrontCdn(stack, 'Cdn', {
    api,
    originHeader: ORIGIN_HEADER,
    webAclArn: 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/1234',
    productsCacheTtl: Duration.seconds(20),
    domain: withDomain
      ? {
          names: ['shop.example.com', 'www.shop.example.com'],
          certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/x'),
        }
      : undefined,
  });
  return Template.fromStack(stack);
}

const distributionConfig = (template: Template) =>
  Object.values(template.findResources('AWS::CloudFront::Distribution'))[0].Properties.DistributionConfig;

describe('StorefrontCdn', () => {
  const template = build();
  const config = distributionConfig(template);

  test('the site bucket is private, encrypted and TLS-only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/' }),
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('CloudFront reads the bucket through an origin access control', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
    const s3Origin = config.Origins.find((o: any) => o.S3OriginConfig);
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    expect(s3Origin.S3OriginConfig.OriginAccessIdentity).toBe('');
  });

  test('every behaviour redirects HTTP to HTTPS, with security headers', () => {
    const behaviours = [config.DefaultCacheBehavior, ...config.CacheBehaviors];
    for (const behaviour of behaviours) {
      expect(behaviour.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(behaviour.ResponseHeadersPolicyId).toBeDefined();
    }
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true }),
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentSecurityPolicy: Match.objectLike({ ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'self'") }),
        }),
      }),
    });
  });

  test('/api/products* is cached briefly, the rest of /api is not, in that order', () => {
    expect(config.CacheBehaviors.map((b: any) => b.PathPattern)).toEqual(['/api/products*', '/api/*', '/docs/*']);
    const policies = template.findResources('AWS::CloudFront::CachePolicy');
    const policyOf = (pattern: string) => {
      const ref = config.CacheBehaviors.find((b: any) => b.PathPattern === pattern).CachePolicyId.Ref;
      return policies[ref].Properties.CachePolicyConfig;
    };
    expect(policyOf('/api/products*')).toMatchObject({ DefaultTTL: 20, MaxTTL: 20, MinTTL: 0 });
    expect(policyOf('/api/*')).toMatchObject({ DefaultTTL: 0, MinTTL: 0, MaxTTL: 1 });
    expect(config.CacheBehaviors[0].AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(config.CacheBehaviors[1].AllowedMethods).toContain('POST');
  });

  test('the API reference under /docs/* runs its inline scripts by hash only; the page keeps the strict policy', () => {
    const policies = template.findResources('AWS::CloudFront::ResponseHeadersPolicy');
    const cspOf = (pattern?: string) => {
      const behaviour = pattern ? config.CacheBehaviors.find((b: any) => b.PathPattern === pattern) : config.DefaultCacheBehavior;
      return policies[behaviour.ResponseHeadersPolicyId.Ref].Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig
        .ContentSecurityPolicy.ContentSecurityPolicy as string;
    };
    const hashes = inlineScriptHashes(fs.readFileSync(PUBLISHED_DOCS['docs/api.html'], 'utf8'));
    expect(hashes.length).toBeGreaterThan(0);
    expect(cspOf('/docs/*')).toContain(`script-src 'self' ${hashes.join(' ')};`);
    expect(cspOf('/docs/*')).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(cspOf()).not.toContain('script-src');
    expect(cspOf()).not.toContain('unsafe-inline');
  });

  test('the API gets Authorization (cache key) and Idempotency-Key (origin request), never Host', () => {
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 0,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
        }),
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: Match.objectLike({
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Idempotency-Key', 'Content-Type', 'Accept'] },
      }),
    });
  });

  test('the API origin is HTTPS-only API Gateway carrying the origin secret header, no prefix rewrite', () => {
    const apiOrigin = config.Origins.find((o: any) => o.CustomOriginConfig);
    expect(JSON.stringify(apiOrigin.DomainName)).toContain('abc123.execute-api.eu-west-1.');
    expect(apiOrigin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(apiOrigin.OriginCustomHeaders).toEqual([{ HeaderName: 'X-Origin-Verify', HeaderValue: ORIGIN_HEADER.value }]);
    // The stage is named `api`, so /api/... reaches it unchanged.
    expect(apiOrigin.OriginPath).toBeUndefined();
  });

  test('logging, the edge web ACL and the page deployment are wired', () => {
    expect(config.Logging).toMatchObject({ Prefix: 'cloudfront/' });
    expect(config.WebACLId).toBe('arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/1234');
    expect(config.DefaultRootObject).toBe('index.html');
    template.resourceCountIs('Custom::CDKBucketDeployment', 1);
  });

  test('no custom domain: no aliases; with one: aliases and a TLS 1.2 floor', () => {
    expect(config.Aliases).toBeUndefined();
    const withDomain = distributionConfig(build(true));
    expect(withDomain.Aliases).toEqual(['shop.example.com', 'www.shop.example.com']);
    expect(withDomain.ViewerCertificate).toMatchObject({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
  });

  test('checkov: the TLS-floor skip only without a domain, the log-bucket skips only on the log bucket', () => {
    const skips = (t: Template, type: string) =>
      Object.values(t.findResources(type)).map((r) => ((r.Metadata?.checkov?.skip ?? []) as { id: string }[]).map((s) => s.id));
    expect(skips(template, 'AWS::CloudFront::Distribution')).toEqual([['CKV_AWS_174']]);
    expect(skips(build(true), 'AWS::CloudFront::Distribution')).toEqual([[]]);
    const buckets = template.findResources('AWS::S3::Bucket');
    const skipped = Object.entries(buckets).filter(([, b]) => b.Metadata?.checkov);
    expect(skipped.map(([id]) => id)).toEqual([expect.stringMatching(/^CdnLogs/)]);
    expect(skipped[0][1].Metadata.checkov.skip.map((s: { id: string }) => s.id)).toEqual(['CKV_AWS_18', 'CKV_AWS_21']);
    // The site bucket itself stays versioned and logged: no skip on it.
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' }, LoggingConfiguration: Match.anyValue() }),
      Metadata: Match.absent(),
    });
  });
});
