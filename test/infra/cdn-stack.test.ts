import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { CdnStack, type CdnStackProps } from '../../lib/stacks/cdn-stack.js';

function build(overrides: Partial<CdnStackProps> = {}) {
  const app = new App();
  const env = { account: '111111111111', region: 'eu-west-1' };
  const services = new Stack(app, 'Services', { env });
  const api = apigateway.RestApi.fromRestApiId(services, 'Api', 'abc123');
  const stack = new CdnStack(app, 'Cdn', {
    env,
    api,
    apiGatewayUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/api',
    originHeader: { name: 'X-Origin-Verify', value: '{{resolve:secretsmanager:origin:SecretString:::}}' },
    webAclArn: 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/1',
    publicApi: 'cloudfront',
    ...overrides,
    ...(overrides.domain
      ? {
          domain: {
            ...overrides.domain,
            certificate: acm.Certificate.fromCertificateArn(services, 'C', 'arn:aws:acm:us-east-1:111111111111:certificate/x'),
          },
        }
      : {}),
  });
  return Template.fromStack(stack);
}

describe('CdnStack', () => {
  test('without a domain: no DNS records, ApiUrl is the distribution /api', () => {
    const template = build();
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(['ApiUrl', 'SiteBucketName', 'StorefrontUrl']);
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain('/api');
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain('DomainName');
  });

  test('with a domain: apex and www A/AAAA aliases in the imported zone, URLs on the domain', () => {
    const template = build({ domain: { name: 'shop.example.com', hostedZoneId: 'Z123' } as CdnStackProps['domain'] });
    template.resourceCountIs('AWS::Route53::RecordSet', 4);
    template.resourceCountIs('AWS::Route53::HostedZone', 0);
    expect(template.findOutputs('ApiUrl').ApiUrl.Value).toBe('https://shop.example.com/api');
  });

  test('publicApi apigateway: no ApiUrl here, the page is pointed at API Gateway', () => {
    const template = build({ publicApi: 'apigateway' });
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['SiteBucketName', 'StorefrontUrl']);
    // The page then calls API Gateway cross-origin, so the CSP must allow it (and only then).
    const csp = (t: Template) =>
      Object.values(t.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0].Properties.ResponseHeadersPolicyConfig
        .SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy;
    expect(csp(template)).toContain("connect-src 'self' https:");
    expect(csp(build())).toContain("connect-src 'self';");
  });

  test('deployPage false: no BucketDeployment, the bucket is named for the script that fills it', () => {
    const template = build({ deployPage: false });
    template.resourceCountIs('Custom::CDKBucketDeployment', 0);
    template.resourceCountIs('AWS::Lambda::LayerVersion', 0);
    expect(build().findResources('Custom::CDKBucketDeployment')).not.toEqual({});
    expect(JSON.stringify(template.findOutputs('SiteBucketName').SiteBucketName.Value)).toContain('CdnSite');
  });
});
