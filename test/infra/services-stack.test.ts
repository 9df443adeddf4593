import { Match } from 'aws-cdk-lib/assertions';
import { loadStageConfig } from '../../lib/config/index.js';
import { build, envOf, LAMBDA } from './support/services-stack.js';

describe('ServicesStack', () => {
  const { template, dataTemplate, stack, dbSg, cacheSg } = build();

  test('each function gets exactly the variables of the runtime contract', () => {
    const powertools = ['POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME'];
    const db = ['DB_NAME', 'DB_PORT', 'DB_SECRET_ARN', 'DB_SSL', 'DB_WRITER_HOST'];
    expect(envOf(template, 'auth/handler.ts')).toEqual([...db, ...powertools, 'TOKEN_SECRET_ARN'].sort());
    expect(envOf(template, 'catalog/handler.ts')).toEqual(
      [...db, 'DB_READER_HOSTS', ...powertools, 'REDIS_AUTH_SECRET_ARN', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_TLS'].sort(),
    );
    expect(envOf(template, 'payments/handler.ts')).toEqual(
      [
        ...db,
        'EMAIL_QUEUE_URL',
        'IDEMPOTENCY_TABLE',
        ...powertools,
        'REDIS_AUTH_SECRET_ARN',
        'REDIS_HOST',
        'REDIS_PORT',
        'REDIS_TLS',
        'TOKEN_SECRET_ARN',
      ].sort(),
    );
    expect(envOf(template, 'auth/authorizer.ts')).toEqual([...powertools, 'TOKEN_SECRET_ARN'].sort());
    expect(envOf(template, 'payments/relay.ts')).toEqual([...db, 'EMAIL_QUEUE_URL', ...powertools].sort());
    expect(envOf(template, 'orders/sweep.ts')).toEqual(
      [
        ...db,
        'ORDER_MAX_OPEN_PER_USER',
        'ORDER_RESERVATION_TTL_SECONDS',
        ...powertools,
        'REDIS_AUTH_SECRET_ARN',
        'REDIS_HOST',
        'REDIS_PORT',
        'REDIS_TLS',
      ].sort(),
    );
  });

  test('the Fargate service gets the same contract (orders reads replicas, Redis and the token key)', () => {
    const task = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0].Properties;
    const names = task.ContainerDefinitions[0].Environment.map((e: any) => e.Name).sort();
    // AWS_REGION: Fargate's agent sets it too; the task definition says it for platforms that do not.
    expect(names).toEqual([
      'AWS_REGION',
      'DB_NAME',
      'DB_PORT',
      'DB_READER_HOSTS',
      'DB_SECRET_ARN',
      'DB_SSL',
      'DB_WRITER_HOST',
      'ORDER_MAX_OPEN_PER_USER',
      'ORDER_RESERVATION_TTL_SECONDS',
      'PORT',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_SERVICE_NAME',
      'REDIS_AUTH_SECRET_ARN',
      'REDIS_HOST',
      'REDIS_PORT',
      'REDIS_TLS',
      'STAGE_PATH_PREFIX',
      'TOKEN_SECRET_ARN',
    ]);
  });

  test('database and cache rules are written in this stack, from the consumer side', () => {
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    const dbId = JSON.stringify(stack.resolve(dbSg.securityGroupId));
    const cacheId = JSON.stringify(stack.resolve(cacheSg.securityGroupId));
    const into = (id: string) => ingress.filter((r) => JSON.stringify(r.GroupId) === id);
    // auth, catalog, payments, relay, order sweep (Lambda) + orders (Fargate) reach PostgreSQL; catalog, orders, payments, the
    // order sweep and the email worker reach Redis.
    expect(into(dbId)).toHaveLength(6);
    expect(into(dbId).every((r) => r.FromPort === 5432 && r.ToPort === 5432)).toBe(true);
    expect(into(cacheId)).toHaveLength(5);
    expect(into(cacheId).every((r) => r.FromPort === 6379 && r.ToPort === 6379)).toBe(true);
    dataTemplate.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test('permissions follow the contract: only payments writes idempotency records, payments and relay send jobs', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const actionsOf = (rolePattern: RegExp) =>
      policies
        .filter(([, p]) => p.Properties.Roles.some((r: any) => rolePattern.test(JSON.stringify(r))))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(actionsOf(/PaymentsFunction/)).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'sqs:SendMessage']));
    expect(actionsOf(/OutboxRelayFunction/)).toContain('sqs:SendMessage');
    expect(actionsOf(/OutboxRelayFunction/)).not.toContain('dynamodb:PutItem');
    expect(actionsOf(/CatalogFunction/)).not.toContain('sqs:SendMessage');
    expect(actionsOf(/AuthorizerFunction/).filter((a) => !a.startsWith('ec2:'))).toEqual(
      expect.arrayContaining(['secretsmanager:GetSecretValue']),
    );
    expect(actionsOf(/AuthorizerFunction/)).not.toContain('sqs:SendMessage');
  });

  test('the outbox relay runs every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('OutboxRelayFunction'), 'Arn'] } })],
    });
  });

  test('the order sweep runs every minute and its stage limits reach orders', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('OrderSweepFunction'), 'Arn'] } })],
    });
    const task = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0].Properties;
    const env = Object.fromEntries(task.ContainerDefinitions[0].Environment.map((e: any) => [e.Name, e.Value]));
    expect([env.ORDER_RESERVATION_TTL_SECONDS, env.ORDER_MAX_OPEN_PER_USER]).toEqual(['900', '5']);
  });

  test('the regional web ACL requires the origin header and guards the stage, not the internal ALB behind it', () => {
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0].Properties;
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.Rules[0].Name).toBe('RequireOriginHeader');
    expect(JSON.stringify(acl.Rules[0])).toContain('{{resolve:secretsmanager:');
    // Issue 8: the ALB admits only the VPC link, whose requests this ACL already inspected at the stage.
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
    // Behind CloudFront no per-IP rule: the source is an edge server, X-Forwarded-For is client-written.
    expect(acl.Rules.map((r: any) => r.Name)).not.toContain('RateLimitPerIp');
    expect(JSON.stringify(acl.Rules)).not.toContain('FORWARDED_IP');
  });

  test('ApiGatewayUrl is always output; ApiUrl only when clients call API Gateway directly', () => {
    expect(Object.keys(template.findOutputs('*'))).toEqual(['ApiGatewayUrl', 'LoadBalancerName']);
    const direct = build({ publicApi: 'apigateway', compute: { auth: LAMBDA, catalog: LAMBDA, orders: LAMBDA, payments: LAMBDA } });
    expect(Object.keys(direct.template.findOutputs('*')).sort()).toEqual(['ApiGatewayUrl', 'ApiUrl']);
    const acl = Object.values(direct.template.findResources('AWS::WAFv2::WebACL'))[0].Properties;
    expect(acl.Rules.map((r: any) => r.Name)).not.toContain('RequireOriginHeader');
  });

  test('prod config: its throttles on the stage and writes, its Fargate services behind the ALB', () => {
    const config = loadStageConfig('prod');
    const { template: prod } = build({
      compute: config.services,
      throttle: config.api.throttle,
      writeThrottle: config.api.writeThrottle,
      waf: config.waf,
    });
    const settings = Object.values(prod.findResources('AWS::ApiGateway::Stage'))[0].Properties.MethodSettings as any[];
    expect(settings).toContainEqual(
      expect.objectContaining({
        ResourcePath: '/*',
        ThrottlingRateLimit: config.api.throttle.rateLimit,
        ThrottlingBurstLimit: config.api.throttle.burstLimit,
      }),
    );
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: 'POST',
        ResourcePath: '/~1payments',
        ThrottlingRateLimit: config.api.writeThrottle.rateLimit,
        ThrottlingBurstLimit: config.api.writeThrottle.burstLimit,
      }),
    );
    const fargate = Object.values(config.services).filter((c) => c.kind === 'fargate').length;
    prod.resourceCountIs('AWS::ECS::Service', fargate);
    prod.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', fargate);
    prod.resourceCountIs('AWS::ApiGatewayV2::VpcLink', 1);
  });

  test('regional web ACL off (emulator): none, and it cannot be off behind CloudFront', () => {
    const allLambda = { auth: LAMBDA, catalog: LAMBDA, orders: LAMBDA, payments: LAMBDA };
    const { template: local } = build({ publicApi: 'apigateway', regionalWebAcl: false, compute: allLambda });
    local.resourceCountIs('AWS::WAFv2::WebACL', 0);
    local.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    expect(() => build({ publicApi: 'cloudfront', regionalWebAcl: false, compute: allLambda })).toThrow(/waf\.regionalAcl/);
  });

  test('all on Lambda: no cluster, no ALB, no VPC link', () => {
    const { template: allLambda } = build({ compute: { auth: LAMBDA, catalog: LAMBDA, orders: LAMBDA, payments: LAMBDA } });
    allLambda.resourceCountIs('AWS::ECS::Cluster', 0);
    allLambda.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    allLambda.resourceCountIs('AWS::ApiGatewayV2::VpcLink', 0);
    allLambda.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
});
