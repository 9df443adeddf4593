import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadStageConfig, STAGES } from '../../lib/config/index.js';
import { EdgeStack } from '../../lib/stacks/edge-stack.js';

const env = { account: '111111111111', region: 'us-east-1' };

describe('EdgeStack', () => {
  test('the CLOUDFRONT web ACL carries the stage limits, login rule on /api/auth/login', () => {
    const stack = new EdgeStack(new App(), 'Edge', {
      env,
      waf: { requestsPerIp: 2000, loginRequestsPerIp: 50, evaluationWindowSeconds: 120 },
    });
    const acl = Object.values(Template.fromStack(stack).findResources('AWS::WAFv2::WebACL'))[0].Properties;
    expect(acl.Scope).toBe('CLOUDFRONT');
    const rate = (name: string) => acl.Rules.find((r: any) => r.Name === name).Statement.RateBasedStatement;
    expect(rate('RateLimitPerIp')).toMatchObject({ Limit: 2000, EvaluationWindowSec: 120 });
    expect(rate('PathRateLimit0')).toMatchObject({ Limit: 50 });
    expect(rate('PathRateLimit0').ScopeDownStatement.ByteMatchStatement.SearchString).toBe('/api/auth/login');
  });

  test.each(Object.keys(STAGES))('stage %s: WAF limits and window come from its config', (name) => {
    const config = loadStageConfig(name);
    const stack = new EdgeStack(new App(), 'Edge', { env: { ...config.env, region: 'us-east-1' }, waf: config.waf, domain: config.domain });
    const acl = Object.values(Template.fromStack(stack).findResources('AWS::WAFv2::WebACL'))[0].Properties;
    const rate = (name: string) => acl.Rules.find((r: any) => r.Name === name).Statement.RateBasedStatement;
    expect(rate('RateLimitPerIp')).toMatchObject({
      Limit: config.waf.requestsPerIp,
      EvaluationWindowSec: config.waf.evaluationWindowSeconds,
    });
    expect(rate('PathRateLimit0')).toMatchObject({
      Limit: config.waf.loginRequestsPerIp,
      EvaluationWindowSec: config.waf.evaluationWindowSeconds,
    });
    Template.fromStack(stack).resourceCountIs('AWS::CertificateManager::Certificate', config.domain ? 1 : 0);
  });

  test('a certificate for apex and www only when a domain is configured', () => {
    const none = Template.fromStack(new EdgeStack(new App(), 'Edge', { env, waf: { requestsPerIp: 100, loginRequestsPerIp: 10 } }));
    none.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    const withDomain = Template.fromStack(
      new EdgeStack(new App(), 'Edge', {
        env,
        waf: { requestsPerIp: 100, loginRequestsPerIp: 10 },
        domain: { name: 'shop.example.com', hostedZoneId: 'Z123' },
      }),
    );
    withDomain.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'shop.example.com',
      SubjectAlternativeNames: ['www.shop.example.com'],
      ValidationMethod: 'DNS',
    });
  });

  test('outside us-east-1 the stack refuses to synthesize', () => {
    expect(
      () =>
        new EdgeStack(new App(), 'Edge', {
          env: { ...env, region: 'eu-west-1' },
          waf: { requestsPerIp: 100, loginRequestsPerIp: 10 },
        }),
    ).toThrow(/us-east-1/);
  });
});
