import * as path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { ROUTES, type Route } from '../../contract/routes.js';
import { loadStageConfig, validateStageConfig } from '../../lib/config/index.js';
import { discoverServices, loadBalancerRoutes } from '../../lib/constructs/service-wiring.js';
import { build, FARGATE, LAMBDA, SHOP_SERVICES } from './support/services-stack.js';

// README "Add a service": its folder, its rows in the contract, one line of stage config.
const REVIEWS = discoverServices(path.join(__dirname, 'fixtures', 'services'));
// The fixture borrows answer schemas the contract has; a real service adds its own to contract/responses.ts.
const REVIEW_ROUTES: Route[] = [
  {
    path: '/reviews/{id}',
    method: 'GET',
    service: 'reviews',
    signedIn: false,
    operationId: 'getReview',
    summary: 'Read a review',
    answer: { status: 200, body: 'Product', description: 'The review' },
    errors: ['NOT_FOUND'],
  },
  {
    path: '/reviews',
    method: 'POST',
    service: 'reviews',
    signedIn: true,
    operationId: 'createReview',
    summary: 'Write a review',
    answer: { status: 201, body: 'Order', description: 'The review as stored' },
    errors: ['VALIDATION_FAILED'],
  },
];
const prod = loadStageConfig('prod');

function withReviews(reviews: typeof LAMBDA | typeof FARGATE) {
  return build({
    services: [...SHOP_SERVICES, ...REVIEWS],
    routes: [...ROUTES, ...REVIEW_ROUTES],
    compute: { ...prod.services, reviews },
  });
}

/** Actions of the IAM policies attached to the role whose logical ID matches. */
function statementsOf(template: Template, role: RegExp): Array<{ Action: string | string[]; Resource: unknown }> {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: unknown) => role.test(JSON.stringify(r))))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('a service added from a folder and one line of config', () => {
  test('the stage config takes the line', () => {
    expect(validateStageConfig({ ...prod, services: { ...prod.services, reviews: FARGATE } }, 'prod').services.reviews).toEqual(FARGATE);
  });

  describe('on Fargate', () => {
    const { template, stack, dbSg, cacheSg } = withReviews(FARGATE);

    test('its routes: API methods to the ALB, the signed-in one behind the authorizer', () => {
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
      const reviews = methods.filter((m) => JSON.stringify(m.Integration?.Uri ?? '').includes('/reviews'));
      expect(reviews.map((m) => [m.HttpMethod, m.AuthorizationType, m.Integration.Type, m.Integration.ConnectionType]).sort()).toEqual([
        ['GET', 'NONE', 'HTTP_PROXY', 'VPC_LINK'],
        ['POST', 'CUSTOM', 'HTTP_PROXY', 'VPC_LINK'],
      ]);
    });

    test('its ALB rule: its prefix with and without the stage, after the shop services', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
        Priority: 50,
        Conditions: [
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/reviews', '/reviews/*', '/api/reviews', '/api/reviews/*'] } },
        ],
      });
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/reviews/health' });
    });

    test('its environment: what it declared, nothing else', () => {
      const task = Object.entries(template.findResources('AWS::ECS::TaskDefinition')).find(([id]) => id.startsWith('ReviewsService'))!;
      const names = task[1].Properties.ContainerDefinitions[0].Environment.map((e: { Name: string }) => e.Name).sort();
      expect(names).toEqual(
        [
          ...['AWS_REGION', 'PORT', 'STAGE_PATH_PREFIX', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME'],
          ...['DB_NAME', 'DB_PORT', 'DB_READER_HOSTS', 'DB_SECRET_ARN', 'DB_SSL', 'DB_WRITER_HOST'],
          ...['REDIS_AUTH_SECRET_ARN', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_TLS', 'TOKEN_SECRET_ARN'],
        ].sort(),
      );
    });

    test('its grants: the database, cache and signing-key secrets, no table, no queue', () => {
      const statements = statementsOf(template, /ReviewsServiceTaskTaskRole/);
      const reads = statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
      const secrets = reads.map((s) => JSON.stringify(s.Resource));
      expect(secrets).toHaveLength(3);
      for (const secret of ['DbSecret', 'RedisAuth', 'TokenSigningKey']) expect(secrets.some((r) => r.includes(secret))).toBe(true);
      const actions = statements.flatMap((s) => [s.Action].flat());
      expect(actions.some((a) => a.startsWith('dynamodb:') || a.startsWith('sqs:'))).toBe(false);
    });

    test('its security-group rules: into PostgreSQL and Redis, from its own group', () => {
      const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
      const from = (sg: typeof dbSg, port: number) =>
        ingress.filter(
          (r) =>
            JSON.stringify(r.GroupId) === JSON.stringify(stack.resolve(sg.securityGroupId)) &&
            JSON.stringify(r.SourceSecurityGroupId).includes('ReviewsServiceSecurityGroup') &&
            r.FromPort === port,
        );
      expect(from(dbSg, 5432)).toHaveLength(1);
      expect(from(cacheSg, 6379)).toHaveLength(1);
    });
  });

  describe('on Lambda', () => {
    const { template } = withReviews(LAMBDA);

    test('its routes go to its function, which has its grants', () => {
      const fn = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('ReviewsFunction'))!;
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter((m) =>
        JSON.stringify(m.Properties.Integration.Uri ?? null).includes(fn),
      );
      expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(['GET', 'POST']);
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 3);
      expect(
        statementsOf(template, /ReviewsFunction/).filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')),
      ).toHaveLength(3);
    });
  });

  test('declarations, routes and config must name the same services', () => {
    expect(() => build({ services: [...SHOP_SERVICES, ...REVIEWS], routes: [...ROUTES, ...REVIEW_ROUTES] })).toThrow(
      /no compute for 'reviews'/,
    );
    expect(() => build({ routes: [...ROUTES, ...REVIEW_ROUTES], compute: { ...prod.services, reviews: LAMBDA } })).toThrow(
      /routes name 'reviews', which no lambda\/<service>\/service.ts declares/,
    );
    expect(() => build({ services: [...SHOP_SERVICES, ...REVIEWS], compute: { ...prod.services, reviews: LAMBDA } })).toThrow(
      /'reviews' owns no route/,
    );
  });

  test("the shop's ALB rules derive from the contract, in route-table order", () => {
    expect(loadBalancerRoutes(ROUTES)).toEqual({
      auth: { pathPrefix: '/auth', priority: 10 },
      catalog: { pathPrefix: '/products', priority: 20 },
      orders: { pathPrefix: '/orders', priority: 30 },
      payments: { pathPrefix: '/payments', priority: 40 },
    });
    expect(() => loadBalancerRoutes([...ROUTES, { ...REVIEW_ROUTES[0], path: '/ratings', service: 'catalog' }])).toThrow(
      /'catalog' owns routes under \/products, \/ratings/,
    );
  });
});
