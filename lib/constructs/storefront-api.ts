import { Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiBackend } from './api-backend.js';
import { ERRORS, type ErrorCode } from '../../contract/errors.js';
import { jsonSchemaOf } from '../../contract/json-schema.js';
import { type ApiService, BODIES, type ModelName, pathParams, ROUTES, type Route } from '../../contract/routes.js';
import { skipCheckov } from './checkov.js';

/** Steady-state requests per second and burst, as API Gateway throttles them. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface StorefrontApiProps {
  /**
   * The routes, each on its service's backend.
   * @default ROUTES, the contract
   */
  readonly routes?: readonly Route[];
  /** Where each service's routes go (Lambda or the internal ALB). */
  readonly backends: Record<ApiService, ApiBackend>;
  /** TOKEN authorizer (`lambda/auth/authorizer.ts`) guarding the signed-in routes. */
  readonly authorizer: lambda.IFunction;
  /**
   * How long API Gateway caches an authorizer decision per token.
   * @default Duration.minutes(5)
   */
  readonly authorizerCacheTtl?: Duration;
  /** Stage-wide throttle. */
  readonly throttle: Throttle;
  /** Tighter throttle applied to every write (POST) method. */
  readonly writeThrottle: Throttle;
  /**
   * Retention of the JSON access log.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * What happens to the access log group when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly accessLogRemovalPolicy?: RemovalPolicy;
  /**
   * Create the account's API Gateway CloudWatch Logs role (`AWS::ApiGateway::Account`, retained
   * when the stack goes: other APIs of the account log through it too) and turn on execution
   * logging of errors. Without that account setting, a stage with access logs fails to create
   * ("CloudWatch Logs role ARN must be set in account settings"); see docs/aws-accounts.md.
   * @default false - the account must already have the role (or, as on the emulator, not need it)
   */
  readonly cloudWatchRole?: boolean;
}

/**
 * Name of the deployment stage. It equals the CloudFront path prefix, so `/api/products` at the
 * edge reaches stage `api`, resource `/products`, with no rewriting at CloudFront (ADR 0011).
 */
export const API_STAGE_NAME = 'api';

/**
 * Gateway-generated errors in the services' shape `{error: {code, message, details}}`, with the
 * services' codes. Gateway templates are plain substitution (no VTL, no escaping), so the raw
 * `validationErrorString`, which holds quotes, cannot be embedded; `details` names the part of the
 * request at fault and the message is API Gateway's quoted `messageString`.
 */
const GATEWAY_ERRORS: readonly [apigateway.ResponseType, ErrorCode, string?][] = [
  [apigateway.ResponseType.BAD_REQUEST_BODY, 'VALIDATION_FAILED', '{"field":"body","problem":"does not match the request schema"}'],
  [
    apigateway.ResponseType.BAD_REQUEST_PARAMETERS,
    'VALIDATION_FAILED',
    '{"field":"headers","problem":"a required header or parameter is missing"}',
  ],
  [apigateway.ResponseType.UNAUTHORIZED, 'UNAUTHORIZED'],
  [apigateway.ResponseType.ACCESS_DENIED, 'FORBIDDEN'],
  // REST APIs answer unknown routes with 403 "Missing Authentication Token"; the contract says 404.
  [apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, 'NOT_FOUND'],
  [apigateway.ResponseType.THROTTLED, 'RATE_LIMITED'],
  [apigateway.ResponseType.REQUEST_TOO_LARGE, 'PAYLOAD_TOO_LARGE'],
];

/** The catch-alls keep API Gateway's own status (any 4xx or 5xx), in the contract's shape. */
const GATEWAY_DEFAULTS: readonly [apigateway.ResponseType, ErrorCode][] = [
  [apigateway.ResponseType.DEFAULT_4XX, 'BAD_REQUEST'],
  [apigateway.ResponseType.DEFAULT_5XX, 'INTERNAL'],
];

/**
 * The shop's public REST API: the contract's routes on their services, JSON-schema validation of
 * every body and required header, a cached TOKEN authorizer on the signed-in routes, stage-wide
 * and tighter write throttles, JSON access logs, X-Ray tracing, and JSON gateway errors.
 */
export class StorefrontApi extends Construct {
  readonly restApi: apigateway.RestApi;
  readonly stage: apigateway.Stage;
  readonly accessLogs: logs.LogGroup;
  /** Invoke URL of the stage, without a trailing slash (`https://.../api`). */
  readonly url: string;
  /** The stage's URL as an AWS emulator (MiniStack) at `endpoint` serves it, without a trailing slash. */
  readonly emulatorUrl: (endpoint: string) => string;

  constructor(scope: Construct, id: string, props: StorefrontApiProps) {
    super(scope, id);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    const routes = props.routes ?? ROUTES;
    const writes = routes.filter((r) => r.method !== 'GET');
    const F = apigateway.AccessLogField;
    this.restApi = new apigateway.RestApi(this, 'Resource', {
      // The API's metrics are keyed by this name: unique per stack, so two stages never share them.
      restApiName: Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      description: 'Storefront public API (reached through CloudFront)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: props.cloudWatchRole ?? false,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        // Execution logs go through the same account role; errors only (request bodies never).
        loggingLevel: props.cloudWatchRole ? apigateway.MethodLoggingLevel.ERROR : undefined,
        dataTraceEnabled: false,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        methodOptions: Object.fromEntries(
          writes.map((r) => [
            `${r.path}/${r.method}`,
            {
              throttlingRateLimit: props.writeThrottle.rateLimit,
              throttlingBurstLimit: props.writeThrottle.burstLimit,
            },
          ]),
        ),
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: F.contextRequestId(),
            time: F.contextRequestTime(),
            ip: F.contextIdentitySourceIp(),
            userAgent: F.contextIdentityUserAgent(),
            method: F.contextHttpMethod(),
            resource: F.contextResourcePath(),
            path: F.contextPath(),
            status: F.contextStatus(),
            responseLength: F.contextResponseLength(),
            latencyMs: F.contextResponseLatency(),
            integrationLatencyMs: F.contextIntegrationLatency(),
            integrationStatus: F.contextIntegrationStatus(),
            userId: F.contextAuthorizer('userId'),
            authorizerError: F.contextAuthorizerError(),
            error: F.contextErrorMessage(),
            errorType: F.contextErrorResponseType(),
            wafStatus: F.contextWafResponseCode(),
            traceId: F.contextXrayTraceId(),
          }),
        ),
      },
    });
    // The stacks output the URL under the names clients look for (ApiGatewayUrl, ApiUrl).
    this.restApi.node.tryRemoveChild('Endpoint');
    this.stage = this.restApi.deploymentStage;
    // The L2 makes the account setting depend on the API, not the stage on the account setting: in a
    // fresh account the stage (access logs on) could be created first and fail.
    const account = this.restApi.node.tryFindChild('Account');
    if (account) this.stage.node.addDependency(account);
    const stack = Stack.of(this);
    this.url = `https://${this.restApi.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${API_STAGE_NAME}`;
    // MiniStack serves a stage at this path of its own endpoint, not at the execute-api host above
    // (docs/local-emulator.md, "The API URL on MiniStack").
    this.emulatorUrl = (endpoint) => `${endpoint}/restapis/${this.restApi.restApiId}/${API_STAGE_NAME}/_user_request_`;

    const errorTemplate = (code: ErrorCode, detail = '') => ({
      'application/json': `{"error":{"code":"${code}","message":$context.error.messageString,"details":[${detail}]}}`,
    });
    for (const [type, code, detail] of GATEWAY_ERRORS) {
      this.restApi.addGatewayResponse(type.responseType, {
        type,
        statusCode: String(ERRORS[code]),
        responseHeaders: { 'Content-Type': "'application/json'" },
        templates: errorTemplate(code, detail),
      });
    }
    for (const [type, code] of GATEWAY_DEFAULTS) {
      this.restApi.addGatewayResponse(type.responseType, {
        type,
        responseHeaders: { 'Content-Type': "'application/json'" },
        templates: errorTemplate(code),
      });
    }

    const validator = this.restApi.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // Generated from the contract's zod schemas, which the services parse with: the gateway rejects
    // a malformed body before any compute runs and never one the service would accept.
    const models = Object.fromEntries(
      Object.entries(BODIES).map(([name, schema]) => [
        name,
        this.restApi.addModel(name, {
          contentType: 'application/json',
          schema: {
            schema: apigateway.JsonSchemaVersion.DRAFT4,
            title: name,
            ...(jsonSchemaOf(schema, 'draft-04') as apigateway.JsonSchema),
          },
        }),
      ]),
    ) as Record<ModelName, apigateway.Model>;

    const authorizer = new apigateway.TokenAuthorizer(this, 'TokenAuthorizer', {
      handler: props.authorizer,
      resultsCacheTtl: props.authorizerCacheTtl ?? Duration.minutes(5),
      validationRegex: '^Bearer [-0-9A-Za-z._~+/]+=*$',
    });

    for (const route of routes) {
      const resource = this.restApi.root.resourceForPath(route.path);
      const headerParams = (route.requiredHeaders ?? []).map((h) => `method.request.header.${h}`);
      const bound = props.backends[route.service].bind(resource, route);
      const method = resource.addMethod(route.method, bound.integration, {
        authorizer: route.signedIn ? authorizer : undefined,
        authorizationType: route.signedIn ? apigateway.AuthorizationType.CUSTOM : apigateway.AuthorizationType.NONE,
        requestValidator: validator,
        requestModels: route.body ? { 'application/json': models[route.body] } : undefined,
        requestParameters: Object.fromEntries([
          ...[...pathParams(route.path).map((p) => `method.request.path.${p}`), ...headerParams].map((p) => [p, true]),
          ...(route.optionalHeaders ?? []).map((h) => [`method.request.header.${h}`, false]),
        ]),
      });
      if (bound.integrationTarget) {
        (method.node.defaultChild as apigateway.CfnMethod).addPropertyOverride('Integration.IntegrationTarget', bound.integrationTarget);
        // The deployment's logical ID hashes what the L2 method knows; an override is invisible to it,
        // so a new target would update the method but never reach the stage without this.
        this.restApi.latestDeployment?.addToLogicalId({
          route: `${route.method} ${route.path}`,
          integrationTarget: bound.integrationTarget,
        });
      }
      if (!route.signedIn) {
        acknowledgePublic(method, `${route.method} ${route.path} is public by contract (browsing, sign-up, sign-in)`);
      } else {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason: "Signed-in routes use the TOKEN authorizer over the app's own signed tokens, not Cognito",
        });
      }
    }

    // Any other method on a contract path is 405 with `Allow` (RFC 9110), answered by the gateway
    // itself: a MOCK integration, no compute, no authorizer (it reveals only the allowed methods).
    for (const path of new Set(ROUTES.map((r) => r.path))) {
      const allow = ROUTES.filter((r) => r.path === path).map((r) => r.method);
      const method = this.restApi.root.resourceForPath(path).addMethod(
        'ANY',
        new apigateway.MockIntegration({
          requestTemplates: { 'application/json': '{"statusCode": 405}' },
          integrationResponses: [
            {
              statusCode: '405',
              responseParameters: { 'method.response.header.Allow': `'${allow.join(', ')}'` },
              responseTemplates: {
                'application/json': JSON.stringify({
                  error: { code: 'METHOD_NOT_ALLOWED' satisfies ErrorCode, message: `${path} allows ${allow.join(', ')}`, details: [] },
                }),
              },
            },
          ],
        }),
        { methodResponses: [{ statusCode: '405', responseParameters: { 'method.response.header.Allow': true } }] },
      );
      acknowledgePublic(method, `Any other method on ${path} is answered 405 by a MOCK integration, without compute or data`);
    }

    if (!props.cloudWatchRole) {
      Validations.of(this.stage).acknowledge({
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging needs the account-wide API Gateway CloudWatch role, off by stage config (api.cloudWatchRole); every request is in the JSON access log',
      });
    } else {
      Validations.of(this.restApi.node.findChild('CloudWatchRole')).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The AWS-maintained policy API Gateway documents for its account-wide CloudWatch Logs role.',
      });
    }
    Validations.of(this.stage).acknowledge(
      {
        id: 'PCI.DSS.321-APIGWCacheEnabledAndEncrypted',
        reason:
          "No API Gateway cache: product reads are cached in Redis and at CloudFront, and every other route answers per user (caching them would serve one shopper another's data).",
      },
      {
        id: 'PCI.DSS.321-APIGWSSLEnabled',
        reason:
          'A client certificate authenticates API Gateway to HTTP backends; here the backends are Lambda (IAM-invoked) and the internal ALB behind a private VPC link.',
      },
    );
    skipCheckov(this.stage, {
      id: 'CKV_AWS_120',
      comment:
        'No API Gateway cache: product reads are cached in Redis and, behind CloudFront, at the edge (short TTL); every other route is per-user or a write',
    });
  }
}

/** cdk-nag and checkov findings of a method that is public by contract, acknowledged with why. */
function acknowledgePublic(method: apigateway.Method, why: string): void {
  for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) Validations.of(method).acknowledge({ id, reason: why });
  skipCheckov(method, { id: 'CKV_AWS_59', comment: `${why}; WAF rate limits and throttles guard it` });
}
