import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiBackend } from '../../lib/constructs/api-backend.js';
import { ContainerPlatform } from '../../lib/constructs/container-platform.js';
import Ajv from 'ajv-draft-04';
import { ERRORS, type ErrorCode } from '../../contract/errors.js';
import { REQUEST_EXAMPLES } from '../../contract/examples.js';
import { BODIES, type ModelName, ROUTES } from '../../contract/routes.js';
import { StorefrontApi } from '../../lib/constructs/storefront-api.js';

function fn(stack: Stack, id: string) {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
}

/** auth, catalog and payments on Lambda, orders on the internal ALB: both integration kinds at once. */
function build() {
  const stack = new Stack(new App(), 'Services', { env: { account: '111111111111', region: 'eu-west-1' } });
  const platform = new ContainerPlatform(stack, 'Platform', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }) });
  const api = new StorefrontApi(stack, 'Api', {
    backends: {
      auth: ApiBackend.lambda(fn(stack, 'Auth')),
      catalog: ApiBackend.lambda(fn(stack, 'Catalog')),
      orders: ApiBackend.privateLoadBalancer(platform.vpcLink!, platform.loadBalancer),
      payments: ApiBackend.lambda(fn(stack, 'Payments')),
    },
    authorizer: fn(stack, 'Authorizer'),
    throttle: { rateLimit: 500, burstLimit: 1000 },
    writeThrottle: { rateLimit: 50, burstLimit: 100 },
  });
  return { stack, api, platform, template: Template.fromStack(stack) };
}

/** The synthesized API Gateway model of that name: the JSON schema the gateway validates with. */
function modelSchema(template: Template, name: string) {
  return Object.values(template.findResources('AWS::ApiGateway::Model')).find((m) => m.Properties.Schema.title === name)!.Properties.Schema;
}

/** The AWS::ApiGateway::Method whose resource path and verb match, found through the resource tree. */
function methodFor(template: Template, stack: Stack, api: StorefrontApi, path: string, verb: string) {
  const resource = api.restApi.root.resourceForPath(path);
  const resourceId = JSON.stringify(stack.resolve(resource.resourceId));
  const found = Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: verb } })).find(
    (m) => JSON.stringify(m.Properties.ResourceId) === resourceId,
  );
  if (!found) throw new Error(`no ${verb} ${path}`);
  return found.Properties;
}

describe('StorefrontApi', () => {
  const { template, stack, api, platform } = build();

  test('the API is named after its stack path, so each stage has its own ApiName metrics', () => {
    const name = Object.values(template.findResources('AWS::ApiGateway::RestApi'))[0].Properties.Name;
    expect(name).toBe(stack.resolve(api.restApi.restApiName));
    expect(name).toMatch(new RegExp(`^${stack.stackName}.*-Api-[0-9A-F]{8}$`));
  });

  test('every route of the contract exists, and nothing else but one 405 method per path', () => {
    const paths = [...new Set(ROUTES.map((r) => r.path))];
    template.resourceCountIs('AWS::ApiGateway::Method', ROUTES.length + paths.length);
    for (const route of ROUTES) expect(methodFor(template, stack, api, route.path, route.method)).toBeDefined();
  });

  test('any other method on a contract path is 405 with Allow, from a MOCK integration without authorizer', () => {
    for (const path of new Set(ROUTES.map((r) => r.path))) {
      const method = methodFor(template, stack, api, path, 'ANY');
      const allow = ROUTES.filter((r) => r.path === path).map((r) => r.method);
      expect(method.AuthorizationType).toBe('NONE');
      expect(method.Integration.Type).toBe('MOCK');
      const [answer] = method.Integration.IntegrationResponses;
      expect(answer.StatusCode).toBe('405');
      expect(answer.ResponseParameters).toEqual({ 'method.response.header.Allow': `'${allow.join(', ')}'` });
      expect(JSON.parse(answer.ResponseTemplates['application/json']).error.code).toBe('METHOD_NOT_ALLOWED');
      expect(method.MethodResponses).toEqual([{ StatusCode: '405', ResponseParameters: { 'method.response.header.Allow': true } }]);
    }
  });

  test('stage throttle from props, tighter throttle on every write method', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0].Properties;
    expect(stage.StageName).toBe('api');
    expect(stage.TracingEnabled).toBe(true);
    const settings = stage.MethodSettings as any[];
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: 500,
        ThrottlingBurstLimit: 1000,
      }),
    );
    for (const path of ['/~1auth~1register', '/~1auth~1login', '/~1orders', '/~1payments']) {
      expect(settings).toContainEqual(
        expect.objectContaining({
          HttpMethod: 'POST',
          ResourcePath: path,
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
        }),
      );
    }
    expect(settings.filter((s) => s.HttpMethod === 'GET')).toHaveLength(0);
  });

  test('every body is validated against its JSON-schema model', () => {
    const models = template.findResources('AWS::ApiGateway::Model');
    const byName = Object.fromEntries(Object.entries(models).map(([id, m]) => [m.Properties.Schema.title, id]));
    expect(Object.keys(byName).sort()).toEqual(['Credentials', 'Login', 'NewOrder', 'NewPayment']);
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    const expected: Record<string, string> = {
      '/auth/register': 'Credentials',
      '/auth/login': 'Login',
      '/orders': 'NewOrder',
      '/payments': 'NewPayment',
    };
    for (const route of ROUTES.filter((r) => r.method === 'POST')) {
      const method = methodFor(template, stack, api, route.path, 'POST');
      expect(method.RequestValidatorId).toBeDefined();
      expect(method.RequestModels).toEqual({ 'application/json': { Ref: byName[expected[route.path]] } });
    }
  });

  test("the models are the contract's zod schemas: its examples pass both, and what one refuses the other refuses", () => {
    // Like API Gateway, formats are not checked: the patterns beside them are the rule.
    const ajv = new Ajv({ allErrors: true, validateFormats: false });
    const invalid: Record<ModelName, unknown[]> = {
      Credentials: [{ email: 'ann@example.com' }, { email: 'no-at-sign', password: '12345678' }, { email: 'a@b.co', password: 'short' }],
      Login: [{ email: '', password: 'x' }, { email: 'a@b.co' }, { email: 'a@b.co', password: 'x'.repeat(257) }],
      NewOrder: [
        { items: [] },
        { items: [{ productId: 'p', quantity: 0 }] },
        { items: [{ productId: 'p', quantity: 1.5 }] },
        { items: 'all' },
      ],
      NewPayment: [
        { orderId: 'o' },
        { orderId: '', paymentMethod: { token: 't' } },
        { orderId: 'o', paymentMethod: { token: 'x'.repeat(201) } },
      ],
    };
    for (const name of Object.keys(BODIES) as ModelName[]) {
      const validate = ajv.compile(modelSchema(template, name));
      for (const [example, { value }] of Object.entries(REQUEST_EXAMPLES[name])) {
        expect([name, example, validate(value), BODIES[name].safeParse(value).success]).toEqual([name, example, true, true]);
      }
      for (const value of invalid[name]) {
        expect([name, value, validate(value), BODIES[name].safeParse(value).success]).toEqual([name, value, false, false]);
      }
    }
  });

  test('the models require exactly the contract fields', () => {
    const schema = (name: string) => modelSchema(template, name);
    expect(schema('Credentials').required).toEqual(['email', 'password']);
    expect(schema('NewOrder').properties.items.items.required).toEqual(['productId', 'quantity']);
    expect(schema('NewOrder').properties.items.items.properties.quantity).toMatchObject({ type: 'integer', minimum: 1 });
    expect(schema('NewPayment').required).toEqual(['orderId', 'paymentMethod']);
    expect(schema('NewPayment').properties.paymentMethod.required).toEqual(['token']);
  });

  test('payments require the Idempotency-Key header; orders accept it', () => {
    expect(methodFor(template, stack, api, '/payments', 'POST').RequestParameters).toEqual({
      'method.request.header.Idempotency-Key': true,
    });
    expect(methodFor(template, stack, api, '/orders', 'POST').RequestParameters).toEqual({
      'method.request.header.Idempotency-Key': false,
    });
  });

  test('login checks presence only: a short password reaches the service (its 401), a new one is checked in full', () => {
    const schema = (name: string) => modelSchema(template, name);
    expect(schema('Login').properties.password).toMatchObject({ minLength: 1 });
    expect(schema('Credentials').properties.password).toMatchObject({ minLength: 8 });
  });

  test('the cached TOKEN authorizer guards the signed-in routes and only those', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
    for (const route of ROUTES) {
      const method = methodFor(template, stack, api, route.path, route.method);
      if (route.signedIn) {
        expect(method.AuthorizationType).toBe('CUSTOM');
        expect(method.AuthorizerId).toBeDefined();
      } else {
        expect(method.AuthorizationType).toBe('NONE');
        expect(method.AuthorizerId).toBeUndefined();
      }
    }
    expect(ROUTES.filter((r) => r.signedIn).map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /orders',
      'GET /orders/{id}',
      'POST /payments',
    ]);
  });

  test('checkov: the open-method skip (CKV_AWS_59) is on the public routes only', () => {
    for (const route of ROUTES) {
      const resource = api.restApi.root.resourceForPath(route.path);
      const resourceId = JSON.stringify(stack.resolve(resource.resourceId));
      const method = Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: route.method } })).find(
        (m) => JSON.stringify(m.Properties.ResourceId) === resourceId,
      )!;
      const skipped = ((method.Metadata?.checkov?.skip ?? []) as { id: string }[]).map((s) => s.id);
      expect([`${route.method} ${route.path}`, skipped]).toEqual([`${route.method} ${route.path}`, route.signedIn ? [] : ['CKV_AWS_59']]);
    }
  });

  test('lambda services get a proxy integration', () => {
    expect(methodFor(template, stack, api, '/products', 'GET').Integration).toMatchObject({
      Type: 'AWS_PROXY',
      IntegrationHttpMethod: 'POST',
    });
  });

  test('fargate services go through the VPC link V2 to the ALB, path parameters passed on', () => {
    const integration = methodFor(template, stack, api, '/orders/{id}', 'GET').Integration;
    expect(integration).toMatchObject({
      Type: 'HTTP_PROXY',
      ConnectionType: 'VPC_LINK',
      ConnectionId: stack.resolve(platform.vpcLink!.vpcLinkId),
      IntegrationTarget: stack.resolve(platform.loadBalancer.loadBalancerArn),
      IntegrationHttpMethod: 'GET',
      RequestParameters: { 'integration.request.path.id': 'method.request.path.id' },
    });
    expect(JSON.stringify(integration.Uri)).toContain('/orders/{id}');
  });

  test('access logs are JSON in their own log group', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0].Properties;
    expect(stage.AccessLogSetting.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/AccessLogs/), 'Arn'] });
    const format = JSON.parse(stage.AccessLogSetting.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', userId: '$context.authorizer.userId' });
  });

  test("gateway errors carry the contract's codes with their statuses; the catch-alls keep API Gateway's status", () => {
    for (const response of Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'))) {
      const body = response.Properties.ResponseTemplates['application/json'].replace('$context.error.messageString', '"m"');
      const code = JSON.parse(body).error.code as ErrorCode;
      expect(ERRORS[code]).toBeDefined();
      const status = response.Properties.ResponseType.startsWith('DEFAULT_') ? undefined : String(ERRORS[code]);
      expect([response.Properties.ResponseType, response.Properties.StatusCode]).toEqual([response.Properties.ResponseType, status]);
    }
  });

  test('gateway errors are JSON in the services error shape, unknown routes are 404', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"NOT_FOUND"') },
    });
    const bodyError = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse')).find(
      (r) => r.Properties.ResponseType === 'BAD_REQUEST_BODY',
    )!.Properties;
    expect(bodyError.ResponseParameters).toEqual({ 'gatewayresponse.header.Content-Type': "'application/json'" });
    for (const response of Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'))) {
      const body = response.Properties.ResponseTemplates['application/json'].replace('$context.error.messageString', '"m"');
      expect(JSON.parse(body).error).toEqual(expect.objectContaining({ code: expect.stringMatching(/^[A-Z_]+$/), message: 'm' }));
    }
    // Same code as the services' own validation; valid JSON once API Gateway substitutes the quoted message.
    const rendered = bodyError.ResponseTemplates['application/json'].replace('$context.error.messageString', '"Invalid request body"');
    expect(JSON.parse(rendered)).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'Invalid request body',
        details: [{ field: 'body', problem: 'does not match the request schema' }],
      },
    });
  });
});
