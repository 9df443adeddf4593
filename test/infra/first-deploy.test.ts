import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { loadStageConfig, type StageConfig, validateStageConfig } from '../../lib/config/index.js';
import { ApiBackend } from '../../lib/constructs/api-backend.js';
import { ContainerService } from '../../lib/constructs/container-service.js';
import { ROUTES } from '../../contract/routes.js';
import { API_STAGE_NAME, StorefrontApi } from '../../lib/constructs/storefront-api.js';
import { buildStage, crossStackReference, stacksOf } from './support/stage.js';

/**
 * Issue 8: what a first `cdk deploy` of the prod-shaped stages (staging, prod) would have hit, one
 * describe per point of the review. Each test failed before its fix.
 */
const prod = buildStage('prod').stage;
const staging = buildStage('staging').stage;
const template = (stack: Stack) => Template.fromStack(stack);
const idOf = (c: IConstruct) => Stack.of(c).getLogicalId(c.node.defaultChild as CfnElement);
const withConfig = (name: string, patch: (c: StageConfig) => void) => {
  const config = structuredClone(loadStageConfig(name));
  patch(config);
  return buildStage(validateStageConfig(config, name)).stage;
};

/** ALB path-pattern matching (`*` any run of characters, `?` one). */
const matchesPattern = (pattern: string, path: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(path);

describe('item 2: the path that reaches the ALB', () => {
  const services = template(prod.services);
  const methods = services.findResources('AWS::ApiGateway::Method');
  const rules = Object.values(services.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')).map((r) => r.Properties);

  test('each Fargate route: integration URI path, the documented stage prefix, the listener rule and the container strip agree', () => {
    const fargate = Object.entries(prod.services.runtimes).filter(([, r]) => r instanceof ContainerService);
    expect(fargate.map(([name]) => name).sort()).toEqual(['catalog', 'orders', 'payments']);
    for (const [name, runtime] of fargate) {
      const service = runtime as ContainerService;
      const rule = rules.find((r) => JSON.stringify(r.Actions).includes(idOf(service.targetGroup)))!;
      const patterns: string[] = rule.Conditions[0].PathPatternConfig.Values;
      for (const route of ROUTES.filter((r) => r.service === name)) {
        const method = Object.values(methods).find(
          (m) => m.Properties.HttpMethod === route.method && JSON.stringify(m.Properties.Integration.Uri).endsWith(`${route.path}"]]}`),
        );
        expect(method).toBeDefined();
        const integration = method!.Properties.Integration;
        expect(integration).toMatchObject({ Type: 'HTTP_PROXY', ConnectionType: 'VPC_LINK', IntegrationTarget: expect.anything() });
        // What the ALB sees: on AWS the stage in front of the URI path (developer guide, private
        // integrations for REST APIs), without a VPC link the URI path as written.
        const concrete = route.path.replace(/\{\w+\}/g, '0c6f1d2e-4b8a-4d3e-9f1a-2b3c4d5e6f70');
        for (const seen of [`/${API_STAGE_NAME}${concrete}`, concrete]) {
          expect(patterns.some((p) => matchesPattern(p, seen))).toBe(true);
        }
        // No other service's rule takes it.
        for (const other of rules.filter((r) => r !== rule)) {
          expect(other.Conditions[0].PathPatternConfig.Values.some((p: string) => matchesPattern(p, `/${API_STAGE_NAME}${concrete}`))).toBe(
            false,
          );
        }
      }
      const task = Object.values(services.findResources('AWS::ECS::TaskDefinition')).find((t) =>
        JSON.stringify(t).includes(`"POWERTOOLS_SERVICE_NAME","Value":"${name}"`),
      )!;
      expect(task.Properties.ContainerDefinitions[0].Environment).toContainEqual({
        Name: 'STAGE_PATH_PREFIX',
        Value: `/${API_STAGE_NAME}`,
      });
    }
  });

  test('a listener rule holds at most the five path values an ALB accepts', () => {
    for (const rule of rules) expect(rule.Conditions[0].PathPatternConfig.Values.length).toBeLessThanOrEqual(5);
  });
});

describe('item 3: API Gateway logging in a fresh account', () => {
  test.each(['dev', 'staging', 'prod'])('%s creates the account CloudWatch role, retained, and the stage waits for it', (name) => {
    const stage = name === 'prod' ? prod : name === 'staging' ? staging : buildStage(name).stage;
    const services = template(stage.services);
    const accounts = services.findResources('AWS::ApiGateway::Account');
    expect(Object.keys(accounts)).toHaveLength(1);
    const [accountId, account] = Object.entries(accounts)[0];
    expect(account.DeletionPolicy).toBe('Retain');
    const stages = Object.values(services.findResources('AWS::ApiGateway::Stage'));
    expect(stages).toHaveLength(1);
    expect(stages[0].DependsOn).toContain(accountId);
    expect(stages[0].Properties.MethodSettings).toContainEqual(
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false }),
    );
  });

  test('local (the emulator) has no account setting to write', () => {
    template(buildStage('local').stage.services).resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('item 4: alarms and canary gates watch faults, not rejected tokens', () => {
  const services = template(prod.services);
  const alarms = services.findResources('AWS::CloudWatch::Alarm');
  const groups = Object.values(services.findResources('AWS::CodeDeploy::DeploymentGroup'));

  test("the authorizer's canary gate is its Faults metric, not its Lambda errors", () => {
    const authorizerGroup = groups.find((g) => JSON.stringify(g).includes('AuthorizerFunction'))!;
    const gates = authorizerGroup.Properties.AlarmConfiguration.Alarms.map((a: { Name: { Ref: string } }) => alarms[a.Name.Ref].Properties);
    const metrics = gates.map((p: any) => `${p.Namespace}/${p.MetricName}`).sort();
    expect(metrics).toEqual(['AWS/ApiGateway/5XXError', 'Storefront/Faults']);
    const faults = gates.find((p: any) => p.MetricName === 'Faults');
    expect(faults.Dimensions).toEqual([
      { Name: 'service', Value: 'authorizer' },
      { Name: 'stage', Value: 'default' },
    ]);
    expect(faults.TreatMissingData).toBe('notBreaching');
  });

  test('every canary also rolls back on API 5xx answers', () => {
    expect(groups.length).toBeGreaterThan(1);
    for (const group of groups) {
      const gates = group.Properties.AlarmConfiguration.Alarms.map((a: { Name: { Ref: string } }) => alarms[a.Name.Ref].Properties);
      expect(gates.some((p: any) => p.Namespace === 'AWS/ApiGateway' && p.MetricName === '5XXError')).toBe(true);
    }
  });
});

describe('item 5: origin secret rotation by pinned versions', () => {
  const CURRENT = '5b1c0c7e-2f7a-4c55-9d2e-6f3a1b0c9d8e';
  const PREVIOUS = '0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d';
  const rotated = withConfig('prod', (c) => {
    c.originSecret = { versionId: CURRENT, previousVersionId: PREVIOUS };
  });

  const headerRule = (stage: typeof prod) =>
    JSON.stringify(
      (Object.values(template(stage.services).findResources('AWS::WAFv2::WebACL'))[0].Properties.Rules as { Name: string }[]).find(
        (r) => r.Name === 'RequireOriginHeader',
      ),
    );
  const originHeader = (stage: typeof prod) =>
    JSON.stringify(
      (
        Object.values(template(stage.cdn).findResources('AWS::CloudFront::Distribution'))[0].Properties.DistributionConfig.Origins as {
          CustomOriginConfig?: unknown;
          OriginCustomHeaders?: unknown;
        }[]
      ).find((o) => o.CustomOriginConfig)!.OriginCustomHeaders,
    );

  test('CloudFront sends the pinned version; the web ACL accepts it and the previous one', () => {
    expect(originHeader(rotated)).toContain(`:SecretString:::${CURRENT}}}`);
    expect(originHeader(rotated)).not.toContain(PREVIOUS);
    expect(headerRule(rotated)).toContain(`:SecretString:::${CURRENT}}}`);
    expect(headerRule(rotated)).toContain(`:SecretString:::${PREVIOUS}}}`);
  });

  test('advancing the version changes both templates (CloudFormation re-resolves only a changed template)', () => {
    const next = withConfig('prod', (c) => {
      c.originSecret = { versionId: PREVIOUS };
    });
    expect(originHeader(next)).not.toEqual(originHeader(rotated));
    expect(headerRule(next)).not.toEqual(headerRule(rotated));
  });

  test('a version id that is not one is refused at synth', () => {
    const config = structuredClone(loadStageConfig('prod'));
    expect(() => validateStageConfig({ ...config, originSecret: { versionId: 'v2' } }, 'prod')).toThrow('originSecret.versionId');
  });
});

describe('item 6: confirmation emails from a verified domain', () => {
  const services = template(prod.services);

  test('domain identity with Easy DKIM records in the hosted zone, a custom MAIL FROM and a configuration set', () => {
    services.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'shop.example.com',
      MailFromAttributes: { MailFromDomain: 'mail.shop.example.com', BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
      ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
    });
    const records = Object.values(services.findResources('AWS::Route53::RecordSet')).map((r) => r.Properties);
    expect(records.filter((r) => r.Type === 'CNAME')).toHaveLength(3);
    for (const r of records) expect(r.HostedZoneId).toBe('Z0123456789EXAMPLE');
    expect(records.map((r) => r.Type).sort()).toEqual(['CNAME', 'CNAME', 'CNAME', 'MX', 'TXT']);
  });

  test('bounces and complaints feed SES suppression and our list (the recorder writes the table the worker reads)', () => {
    services.hasResourceProperties('AWS::SES::ConfigurationSet', {
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    services.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: { Enabled: true, MatchingEventTypes: ['bounce', 'complaint'], SnsDestination: Match.anyValue() },
    });
    services.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
    const recorder = prod.services.email.bounceRecorder!;
    const worker = prod.services.email.worker;
    const tableOf = (fn: lambda.IFunction) =>
      JSON.stringify(services.findResources('AWS::Lambda::Function')[idOf(fn)].Properties.Environment.Variables.IDEMPOTENCY_TABLE);
    expect(tableOf(recorder.function)).toEqual(tableOf(worker.function));
  });

  test('without a domain (dev): an address identity, no configuration set', () => {
    const dev = template(buildStage('dev').stage.services);
    dev.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'orders@dev.storefront.example' });
    dev.resourceCountIs('AWS::SES::ConfigurationSet', 0);
  });

  test('a sender outside the domain is refused at synth', () => {
    const config = structuredClone(loadStageConfig('prod'));
    expect(() => validateStageConfig({ ...config, email: { ...config.email, sender: 'orders@other.example' } }, 'prod')).toThrow(
      'email.sender: with a domain, the sender must be an address at shop.example.com',
    );
  });
});

describe('item 7: replicas on the same storage as the primary', () => {
  test.each([
    ['staging', staging],
    ['prod', prod],
  ])('%s', (_, stage) => {
    const instances = Object.values(template(stage.data).findResources('AWS::RDS::DBInstance')).map((r) => r.Properties);
    const primary = instances.find((p) => !p.SourceDBInstanceIdentifier)!;
    const replicas = instances.filter((p) => p.SourceDBInstanceIdentifier);
    expect(replicas.length).toBeGreaterThan(0);
    for (const replica of replicas) {
      expect(replica.StorageType).toBe(primary.StorageType);
      expect(replica.StorageType).toBe('gp3');
      expect(replica.MaxAllocatedStorage).toBe(primary.MaxAllocatedStorage);
    }
  });
});

describe('item 8: data protection in prod', () => {
  const data = template(prod.data);

  test('the master secret outlives the stack, like the database', () => {
    const masterSecret = (t: Template) =>
      Object.entries(t.findResources('AWS::SecretsManager::Secret')).find(([id]) => id.includes('DatabasePrimarySecret'))![1];
    expect(masterSecret(data).DeletionPolicy).toBe('Retain');
    // dev throws its database away, and its secret with it.
    expect(masterSecret(template(buildStage('dev').stage.data)).DeletionPolicy).toBe('Delete');
  });

  test('the idempotency table refuses deletion', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] });
  });

  test('the ALB refuses deletion', () => {
    template(prod.services).hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });
  });

  test('every stack is termination-protected in prod and staging, none in dev', () => {
    for (const stack of [...stacksOf(prod), ...stacksOf(staging)]) expect(stack.terminationProtection).toBe(true);
    for (const stack of stacksOf(buildStage('dev').stage)) expect(stack.terminationProtection).toBe(false);
  });
});

describe('item 9: cross-stack references by stage (ADR 0001)', () => {
  const references = (stack: Stack) => {
    const json = JSON.stringify(template(stack).toJSON());
    return { weak: (json.match(/"Fn::GetStackOutput"/g) ?? []).length, strong: (json.match(/"Fn::ImportValue"/g) ?? []).length };
  };

  test.each(['dev', 'staging', 'prod'])('%s: weak references only, no exports to lock a producer', (name) => {
    const stage = name === 'prod' ? prod : name === 'staging' ? staging : buildStage(name).stage;
    for (const stack of stacksOf(stage)) {
      expect(references(stack).strong).toBe(0);
      expect(Object.values(template(stack).toJSON().Outputs ?? {}).filter((o: any) => o.Export)).toEqual([]);
    }
    expect(references(stage.services).weak).toBeGreaterThan(0);
    // CloudFormation lists no Fn::GetStackOutput among Fn::Split's supported functions (cfn-lint
    // E1022): metrics name functions and load balancers by attribute, never by splitting an ARN.
    for (const stack of stacksOf(stage))
      expect(JSON.stringify(template(stack).toJSON())).not.toMatch(/"Fn::Split":\["[^"]*",\{"Fn::GetStackOutput"/);
    // Across regions too: the Cdn stack reads the us-east-1 Edge stack's outputs, no SSM custom resources.
    const edgeRef = JSON.stringify(template(stage.cdn).toJSON()).match(/"Fn::GetStackOutput":\{[^}]*us-east-1[^}]*\}/);
    expect(edgeRef).not.toBeNull();
    expect(JSON.stringify(template(stage.edge).toJSON())).not.toContain('Custom::CrossRegionExportWriter');
  });

  test('local keeps the strong exports the emulator deploys today', () => {
    const local = buildStage('local').stage;
    expect(references(local.services).strong).toBeGreaterThan(0);
    expect(references(local.services).weak).toBe(0);
  });

  test('a weak reference names the producing stack and output', () => {
    const subnet = Object.values(template(prod.data).findResources('AWS::RDS::DBSubnetGroup'))[0].Properties.SubnetIds[0];
    expect(crossStackReference(subnet)).toEqual({
      stackName: prod.network.stackName,
      outputName: expect.stringMatching(/^PublishOutputRef/),
    });
  });
});

describe('item 10: smaller points', () => {
  const services = template(prod.services);

  test('the authorizer runs outside the VPC (it only reads Secrets Manager)', () => {
    const authorizer = services.findResources('AWS::Lambda::Function')[idOf(prod.services.authorizer)];
    expect(authorizer.Properties.VpcConfig).toBeUndefined();
    expect(authorizer.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('authorizer');
  });

  test('the deployment changes when only an integration target changes', () => {
    const deploymentId = (albArn: string) => {
      const stack = new Stack(new App(), 'Api', { env: { account: '111111111111', region: 'eu-west-1' } });
      const fn = new lambda.Function(stack, 'Fn', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'i.h',
        code: lambda.Code.fromInline('//'),
      });
      const target: ApiBackend = new (class extends ApiBackend {
        bind() {
          return { integration: new apigateway.HttpIntegration('http://alb.internal/x'), integrationTarget: albArn };
        }
      })();
      new StorefrontApi(stack, 'Api', {
        backends: { auth: target, catalog: ApiBackend.lambda(fn), orders: ApiBackend.lambda(fn), payments: ApiBackend.lambda(fn) },
        authorizer: fn,
        throttle: { rateLimit: 10, burstLimit: 10 },
        writeThrottle: { rateLimit: 10, burstLimit: 10 },
      });
      return Object.keys(Template.fromStack(stack).findResources('AWS::ApiGateway::Deployment'))[0];
    };
    expect(deploymentId('arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/a/1')).not.toEqual(
      deploymentId('arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/b/2'),
    );
  });
});

describe('staging: prod shape at the smallest sizes', () => {
  const config = loadStageConfig('staging');

  test('its own account, a domain, Fargate with autoscaling, RDS Proxy, a replica, a Multi-AZ cache, canaries, both web ACLs', () => {
    expect(config.env.account).not.toEqual(loadStageConfig('prod').env.account);
    expect(config.env.account).not.toEqual(loadStageConfig('dev').env.account);
    expect(config.domain).toBeDefined();
    const services = template(staging.services);
    expect(Object.values(staging.services.runtimes).filter((r) => r instanceof ContainerService)).toHaveLength(3);
    services.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 3);
    template(staging.data).resourceCountIs('AWS::RDS::DBProxy', 1);
    expect(staging.data.rds!.replicas).toHaveLength(1);
    template(staging.data).hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { MultiAZEnabled: true, NumCacheClusters: 2 });
    // auth, the authorizer, the outbox relay and the order sweep: every function deploys as a canary.
    services.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 4);
    services.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template(staging.edge).resourceCountIs('AWS::WAFv2::WebACL', 1);
  });
});
