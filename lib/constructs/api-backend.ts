import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/**
 * The paths at which the ALB sees a service's routes. For REST API private integrations, API
 * Gateway puts the stage in front of the integration path ("a request to the `test` stage includes
 * `test/path`", developer guide, Private integrations for REST APIs; ADR 0010), so on AWS the ALB
 * sees `/<stage>/orders/...`; a backend reached without a VPC link (the emulator) sees the URI path
 * as written. Rules match both; the container strips the stage prefix before routing
 * (`STAGE_PATH_PREFIX`, lambda/shared/http.ts). Four values: the ALB's limit is five per rule.
 */
export function loadBalancerPathPatterns(servicePrefix: string, stageName: string): string[] {
  return [servicePrefix, `${servicePrefix}/*`, `/${stageName}${servicePrefix}`, `/${stageName}${servicePrefix}/*`];
}

/** One API route as a backend sees it. */
export interface BackendRoute {
  /** Resource path with `{param}` placeholders, e.g. `/orders/{id}`. */
  readonly path: string;
  readonly method: string;
}

/** What a backend gives a method: its integration, plus the VPC link V2 target when there is one. */
export interface BoundBackend {
  readonly integration: apigateway.Integration;
  /**
   * ARN of the load balancer for a VPC link V2 private integration (`Integration.IntegrationTarget`).
   * @default - not a private integration
   */
  readonly integrationTarget?: string;
}

/**
 * Where the REST API sends a service's routes: a Lambda function (proxy integration) or the shared
 * internal ALB through a VPC link V2 (HTTP proxy). The API construct does not care which; a new kind
 * of backend is one more static factory and one more subclass implementing `bind`.
 */
export abstract class ApiBackend {
  /** Lambda proxy integration; API Gateway passes the resource path, the service routes on it. */
  static lambda(fn: lambda.IFunction): ApiBackend {
    return new LambdaBackend(fn);
  }

  /**
   * HTTP proxy to the internal ALB through a VPC link V2; the ALB's path rules pick the service.
   * @param listenerPort port of the ALB listener (HTTP)
   */
  static privateLoadBalancer(vpcLink: apigwv2.IVpcLink, loadBalancer: elbv2.IApplicationLoadBalancer, listenerPort = 80): ApiBackend {
    return new LoadBalancerBackend(vpcLink, loadBalancer, listenerPort);
  }

  /**
   * Plain HTTP proxy to a load balancer's address, no VPC link: for an emulator whose data plane
   * serves load balancers at `<baseUrl>/<load balancer name>` (MiniStack's `/_alb/<name>`). The path
   * after it is the one a VPC link sends, so the ALB rules see the same paths as on AWS.
   */
  static loadBalancerUrl(baseUrl: string, loadBalancerName: string): ApiBackend {
    return new LoadBalancerUrlBackend(`${baseUrl.replace(/\/$/, '')}/${loadBalancerName}`);
  }

  /** Integration for one route; `scope` owns any helper construct the integration needs. */
  abstract bind(scope: Construct, route: BackendRoute): BoundBackend;
}

class LambdaBackend extends ApiBackend {
  private integration?: apigateway.LambdaIntegration;

  constructor(private readonly fn: lambda.IFunction) {
    super();
  }

  bind(): BoundBackend {
    // One integration per function; test-invoke permissions are not needed in any stage.
    this.integration ??= new apigateway.LambdaIntegration(this.fn, { allowTestInvoke: false });
    return { integration: this.integration };
  }
}

class LoadBalancerUrlBackend extends ApiBackend {
  constructor(private readonly baseUrl: string) {
    super();
  }

  bind(_scope: Construct, route: BackendRoute): BoundBackend {
    return { integration: httpProxy(this.baseUrl, route) };
  }
}

class LoadBalancerBackend extends ApiBackend {
  constructor(
    private readonly vpcLink: apigwv2.IVpcLink,
    private readonly loadBalancer: elbv2.IApplicationLoadBalancer,
    private readonly listenerPort: number,
  ) {
    super();
  }

  bind(scope: Construct, route: BackendRoute): BoundBackend {
    // The L2 apigateway.VpcLink is V1 (NLB only). A V2 link is referenced by id; the ALB itself is
    // named by IntegrationTarget, which the method construct does not render (see ADR 0010).
    const link =
      (scope.node.tryFindChild('VpcLinkV2') as apigateway.IVpcLink | undefined) ??
      apigateway.VpcLink.fromVpcLinkId(scope, 'VpcLinkV2', this.vpcLink.vpcLinkId);
    return {
      integration: httpProxy(`http://${this.loadBalancer.loadBalancerDnsName}:${this.listenerPort}`, route, {
        connectionType: apigateway.ConnectionType.VPC_LINK,
        vpcLink: link,
      }),
      integrationTarget: this.loadBalancer.loadBalancerArn,
    };
  }
}

/**
 * An HTTP proxy integration of `route` on `baseUrl`: the URI path is the resource path itself, its
 * `{param}`s filled from the method request (see `loadBalancerPathPatterns` for what reaches the ALB).
 */
function httpProxy(baseUrl: string, route: BackendRoute, options: apigateway.IntegrationOptions = {}): apigateway.Integration {
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  return new apigateway.Integration({
    type: apigateway.IntegrationType.HTTP_PROXY,
    integrationHttpMethod: route.method,
    uri: `${baseUrl}${route.path}`,
    options: {
      ...options,
      requestParameters: Object.fromEntries(params.map((p) => [`integration.request.path.${p}`, `method.request.path.${p}`])),
    },
  });
}
