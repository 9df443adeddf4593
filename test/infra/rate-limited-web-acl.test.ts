import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RATE_LIMITED_BODY, RateLimitedWebAcl } from '../../lib/constructs/rate-limited-web-acl.js';

const env = (region: string) => ({ env: { account: '111111111111', region } });

function cloudFrontAcl() {
  const stack = new Stack(new App(), 'Acl', env('us-east-1'));
  new RateLimitedWebAcl(stack, 'Acl', {
    scope: 'CLOUDFRONT',
    requestsPerIp: 1000,
    pathRateLimits: [{ pathPrefix: '/api/auth/login', requestsPerIp: 20 }],
  });
  return Template.fromStack(stack);
}

describe('RateLimitedWebAcl', () => {
  test('a CLOUDFRONT ACL in us-east-1 limits every IP with the configured limit and a 429', () => {
    const template = cloudFrontAcl();
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'RateLimitPerIp',
          Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 1000, EvaluationWindowSec: 300 } },
          Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'rate-limited' } } },
        }),
      ]),
    });
  });

  test('login has a stricter rule scoped to its path, evaluated before the global rule', () => {
    const rules = Object.values(cloudFrontAcl().findResources('AWS::WAFv2::WebACL'))[0].Properties.Rules as any[];
    const login = rules.find((r) => r.Name === 'PathRateLimit0');
    const global = rules.find((r) => r.Name === 'RateLimitPerIp');
    expect(login.Statement.RateBasedStatement.Limit).toBe(20);
    expect(login.Statement.RateBasedStatement.ScopeDownStatement.ByteMatchStatement).toMatchObject({
      FieldToMatch: { UriPath: {} },
      PositionalConstraint: 'STARTS_WITH',
      SearchString: '/api/auth/login',
    });
    expect(login.Action.Block.CustomResponse.ResponseCode).toBe(429);
    expect(login.Priority).toBeLessThan(global.Priority);
  });

  test('the 429 answer is a JSON body in the services error shape', () => {
    const template = cloudFrontAcl();
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      CustomResponseBodies: { 'rate-limited': { ContentType: 'APPLICATION_JSON', Content: RATE_LIMITED_BODY } },
    });
    expect(JSON.parse(RATE_LIMITED_BODY).error.code).toBe('RATE_LIMITED');
  });

  test('the AWS managed rule groups run after the rate rules', () => {
    const rules = Object.values(cloudFrontAcl().findResources('AWS::WAFv2::WebACL'))[0].Properties.Rules as any[];
    const managed = rules.filter((r) => r.Statement.ManagedRuleGroupStatement).map((r) => r.Statement.ManagedRuleGroupStatement.Name);
    expect(managed).toEqual([
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ]);
    for (const rule of rules.filter((r) => r.Statement.ManagedRuleGroupStatement)) {
      expect(rule.OverrideAction).toEqual({ None: {} });
    }
  });

  test('a CLOUDFRONT ACL outside us-east-1 fails synth', () => {
    const stack = new Stack(new App(), 'Acl', env('eu-west-1'));
    expect(() => new RateLimitedWebAcl(stack, 'Acl', { scope: 'CLOUDFRONT', requestsPerIp: 100 })).toThrow(/us-east-1/);
  });

  test('limits below the WAF minimum and odd windows fail synth', () => {
    const stack = new Stack(new App(), 'Acl', env('us-east-1'));
    expect(() => new RateLimitedWebAcl(stack, 'A', { scope: 'REGIONAL', requestsPerIp: 5 })).toThrow(/at least 10/);
    expect(
      () =>
        new RateLimitedWebAcl(stack, 'B', {
          scope: 'REGIONAL',
          requestsPerIp: 100,
          evaluationWindow: Duration.minutes(3),
        }),
    ).toThrow(/evaluationWindow/);
  });

  test('a REGIONAL ACL blocks requests without the origin header first and can be associated', () => {
    const stack = new Stack(new App(), 'Acl', env('eu-west-1'));
    const acl = new RateLimitedWebAcl(stack, 'Acl', {
      scope: 'REGIONAL',
      requiredHeader: { name: 'X-Origin-Verify', values: ['{{resolve:secretsmanager:origin:SecretString:::}}'] },
    });
    acl.associate('Stage', 'arn:aws:apigateway:eu-west-1::/restapis/abc/stages/api');
    const template = Template.fromStack(stack);
    const rules = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0].Properties.Rules as any[];
    expect(rules[0].Name).toBe('RequireOriginHeader');
    expect(rules[0].Statement.NotStatement.Statement.ByteMatchStatement).toMatchObject({
      FieldToMatch: { SingleHeader: { Name: 'x-origin-verify' } },
      PositionalConstraint: 'EXACTLY',
    });
    expect(rules[0].Action.Block.CustomResponse.ResponseCode).toBe(403);
    // Issue 8: no per-IP key from X-Forwarded-For, whose first address the client writes.
    expect(JSON.stringify(rules)).not.toContain('FORWARDED_IP');
    expect(rules.map((r) => r.Name)).not.toContain('RateLimitPerIp');
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: 'arn:aws:apigateway:eu-west-1::/restapis/abc/stages/api',
    });
  });

  test('during a rotation the origin header may carry either accepted value, and nothing else', () => {
    const stack = new Stack(new App(), 'Acl', env('eu-west-1'));
    new RateLimitedWebAcl(stack, 'Acl', {
      scope: 'REGIONAL',
      requiredHeader: { name: 'X-Origin-Verify', values: ['{{resolve:new}}', '{{resolve:old}}'] },
    });
    const rules = Object.values(Template.fromStack(stack).findResources('AWS::WAFv2::WebACL'))[0].Properties.Rules as any[];
    const accepted = rules[0].Statement.NotStatement.Statement.OrStatement.Statements.map((s: any) => s.ByteMatchStatement.SearchString);
    expect(accepted).toEqual(['{{resolve:new}}', '{{resolve:old}}']);
  });

  test('path limits without a per-IP limit are refused at synth', () => {
    const stack = new Stack(new App(), 'Acl', env('eu-west-1'));
    expect(
      () =>
        new RateLimitedWebAcl(stack, 'Acl', { scope: 'REGIONAL', pathRateLimits: [{ pathPrefix: '/api/auth/login', requestsPerIp: 20 }] }),
    ).toThrow('pathRateLimits need requestsPerIp');
  });

  test('metrics use the ACL and rule metric names as dimensions, from the region WAF publishes them in', () => {
    const stack = new Stack(new App(), 'Acl', env('us-east-1'));
    const edge = new RateLimitedWebAcl(stack, 'Acl', {
      scope: 'CLOUDFRONT',
      requestsPerIp: 100,
      pathRateLimits: [{ pathPrefix: '/api/auth/login', requestsPerIp: 20 }],
    });
    const acl = Object.values(Template.fromStack(stack).findResources('AWS::WAFv2::WebACL'))[0].Properties;
    expect(acl.VisibilityConfig.MetricName).toBe(edge.metricName);
    expect(edge.ruleMetricNames).toEqual(acl.Rules.map((r: any) => r.VisibilityConfig.MetricName));
    const blocked = edge.metricBlockedRequests('PathRateLimit0');
    expect(blocked).toMatchObject({ namespace: 'AWS/WAFV2', metricName: 'BlockedRequests', region: 'us-east-1' });
    // CloudFront ACLs publish without a Region dimension.
    expect(blocked.dimensions).toEqual({ WebACL: edge.metricName, Rule: 'PathRateLimit0' });

    const regionalStack = new Stack(new App(), 'Api', env('eu-west-1'));
    const regional = new RateLimitedWebAcl(regionalStack, 'Acl', { scope: 'REGIONAL', requestsPerIp: 100 });
    expect(regional.metricAllowedRequests()).toMatchObject({
      region: 'eu-west-1',
      dimensions: { WebACL: regional.metricName, Rule: 'ALL', Region: 'eu-west-1' },
    });
  });

  test('its name is read from the Ref, not invented', () => {
    const stack = new Stack(new App(), 'Acl', env('us-east-1'));
    const acl = new RateLimitedWebAcl(stack, 'Acl', { scope: 'CLOUDFRONT', requestsPerIp: 100 });
    expect(stack.resolve(acl.webAclName)).toEqual({
      'Fn::Select': [0, { 'Fn::Split': ['|', { Ref: expect.stringMatching(/^Acl/) }] }],
    });
  });

  test('a CLOUDFRONT ACL cannot be associated like a regional one', () => {
    const stack = new Stack(new App(), 'Acl', env('us-east-1'));
    const acl = new RateLimitedWebAcl(stack, 'Acl', { scope: 'CLOUDFRONT', requestsPerIp: 100 });
    expect(() => acl.associate('X', 'arn')).toThrow(/distribution/);
  });
});

describe('RateLimitedWebAcl request log', () => {
  const build = (logging: boolean) => {
    const stack = new Stack(new App(), 'Acl', env('eu-west-1'));
    new RateLimitedWebAcl(stack, 'Acl', {
      scope: 'REGIONAL',
      requiredHeader: { name: 'X-Origin-Verify', values: ['{{resolve:secretsmanager:origin}}'] },
      logging: logging ? { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.RETAIN } : undefined,
    });
    return Template.fromStack(stack);
  };

  test('logs to a log group named aws-waf-logs-*, with credentials and the origin secret redacted', () => {
    const template = build(true);
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(1);
    const name = groups[0].Properties.LogGroupName as string;
    expect(name).toMatch(/^aws-waf-logs-/);
    expect(groups[0].Properties.RetentionInDays).toBe(30);
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Acl'), 'Arn'] },
      LogDestinationConfigs: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:eu-west-1:111111111111:log-group:${name}`]] }],
      RedactedFields: [
        { SingleHeader: { Name: 'authorization' } },
        { SingleHeader: { Name: 'cookie' } },
        { SingleHeader: { Name: 'x-origin-verify' } },
      ],
    });
  });

  test('without logging, no log group and no logging configuration', () => {
    const template = build(false);
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 0);
  });
});
