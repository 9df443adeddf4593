import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Route } from '../../contract/routes.js';
import type { SecretName, ServiceDeclaration, ServiceFunctionDeclaration, ServiceNeeds } from '../../contract/service.js';
import { acknowledgeRetriedBySchedule } from './nag.js';
import { skipCheckov } from './checkov.js';
import type { CacheAccess, DatabaseAccess } from './database-access.js';
import { faultsMetric, METRICS_NAMESPACE } from './service-function.js';

/** Anything a grant or a security-group rule can be written against: a function or a container service. */
export type ServiceRuntime = iam.IGrantable & ec2.IConnectable;

/** A function the services stack can build: what the stage's function construct (`ServiceFunction`) needs. */
export interface FunctionSpec {
  /** Service identity (`POWERTOOLS_SERVICE_NAME`). */
  readonly service: string;
  /** TypeScript entry file. */
  readonly entry: string;
  readonly environment: Record<string, string>;
  /**
   * Longest run of one invocation.
   * @default - the function construct's default
   */
  readonly timeout?: Duration;
  /**
   * Run in the VPC's application subnets. Only what reaches the database or the cache needs to; a
   * function that only calls AWS APIs is faster to start and needs no NAT outside it.
   * @default true
   */
  readonly inVpc?: boolean;
  /**
   * The fault metric that gates its canary, when its Lambda errors include expected rejections.
   * @default - the function's Lambda errors
   */
  readonly faultMetric?: cloudwatch.IMetric;
}

/** What `buildFunction` returns (the shape of `ServiceFunction`). */
export interface BuiltFunction {
  /** The function itself: grants and security-group rules are written against it. */
  readonly function: lambda.IFunction & ServiceRuntime;
  /** What callers invoke: the `live` alias under canary deployments, else the function. */
  readonly invokable: lambda.IFunction;
  /**
   * The CodeDeploy group shifting traffic to new versions (canary deployments).
   * @default - no canary
   */
  readonly deploymentGroup?: codedeploy.LambdaDeploymentGroup;
}

/** A declaration as found on disk: what it says, and the folder its entries are relative to. */
export interface DeclaredService {
  readonly declaration: ServiceDeclaration;
  readonly dir: string;
}

/** The file a service folder declares itself in (it exports `service`, a `ServiceDeclaration`). */
export const DECLARATION_FILE = 'service.ts';

/**
 * The services under `root`: every folder holding a `service.ts`. Only that file is loaded, and it
 * imports only `contract/`, so the CDK app never loads a service's runtime code (CDK and runtime
 * code never import each other; both import the contract). Sorted by folder name, so synth is
 * deterministic.
 */
export function discoverServices(root: string): DeclaredService[] {
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(root, entry.name, DECLARATION_FILE)))
    .map((entry) => entry.name)
    .sort()
    .map((folder) => {
      const dir = path.join(root, folder);
      // A synchronous load: constructs are built synchronously, and tsx/Jest compile the file on the fly.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const declaration = (require(path.join(dir, DECLARATION_FILE)) as { service?: ServiceDeclaration }).service;
      if (!declaration) throw new Error(`${path.join(dir, DECLARATION_FILE)} must export \`service\` (a ServiceDeclaration)`);
      if (declaration.name !== folder) {
        throw new Error(
          `${path.join(dir, DECLARATION_FILE)} declares '${declaration.name}'; a service is named by its folder ('${folder}')`,
        );
      }
      return { declaration, dir };
    });
}

/** Where a Fargate service's routes meet the internal ALB: the path prefix its rule matches, and the rule's priority. */
export interface LoadBalancerRoute {
  readonly pathPrefix: string;
  readonly priority: number;
}

/**
 * The ALB rule of each service, from the contract: its prefix is the first path segment its routes
 * share, its priority ten times its rank by first route in the table. The prefixes are disjoint, so
 * priorities only need to be unique and stable: a service added at the end of the table moves none.
 */
export function loadBalancerRoutes(routes: readonly Route[]): Record<string, LoadBalancerRoute> {
  const owners = [...new Set(routes.map((r) => r.service))];
  return Object.fromEntries(
    owners.map((service, rank) => {
      const prefixes = [...new Set(routes.filter((r) => r.service === service).map((r) => `/${r.path.split('/')[1]}`))];
      if (prefixes.length !== 1) {
        // One rule holds at most five path values (four per prefix, see loadBalancerPathPatterns).
        throw new Error(`Service '${service}' owns routes under ${prefixes.join(', ')}: a service's routes share one first path segment`);
      }
      return [service, { pathPrefix: prefixes[0], priority: 10 * (rank + 1) }];
    }),
  );
}

/**
 * Checks that the declarations, the contract's route owners and the stage's compute name the same
 * services, and orders the declarations as the route table does (the API and ALB follow it).
 */
export function matchServices(
  declared: readonly DeclaredService[],
  routes: readonly Route[],
  compute: Readonly<Record<string, unknown>>,
): DeclaredService[] {
  const owners = [...new Set(routes.map((r) => r.service))];
  const names = declared.map((d) => d.declaration.name);
  const problems = [
    ...owners.filter((o) => !names.includes(o)).map((o) => `routes name '${o}', which no lambda/<service>/${DECLARATION_FILE} declares`),
    ...names.filter((n) => !owners.includes(n)).map((n) => `'${n}' owns no route in contract/routes.ts`),
    ...names.filter((n) => !(n in compute)).map((n) => `the stage config's \`services\` has no compute for '${n}'`),
    ...Object.keys(compute)
      .filter((c) => !names.includes(c))
      .map((c) => `the stage config's \`services.${c}\` names no declared service`),
  ];
  if (problems.length > 0) throw new Error(`Services do not match:\n  - ${problems.join('\n  - ')}`);
  return owners.map((o) => declared.find((d) => d.declaration.name === o)!);
}

/** Stage settings a service may declare it reads (`SettingName`). */
export interface ServiceSettings {
  /**
   * Catalog cache TTL (`CACHE_TTL_SECONDS`).
   * @default - the service's default (60 s)
   */
  readonly cacheTtlSeconds?: number;
  /** Stock reservation lifetime and open orders per user (`ORDER_*`). */
  readonly orders: { readonly reservationTtlSeconds: number; readonly maxOpenOrdersPerUser: number };
}

/** The shop's shared resources, as the services reach them. */
export interface SharedResources {
  readonly database: DatabaseAccess;
  readonly cache: CacheAccess;
  readonly secrets: Readonly<Record<SecretName, secretsmanager.ISecret>>;
  readonly idempotencyTable: dynamodb.ITable;
  readonly emailQueue: sqs.IQueue;
  readonly settings: ServiceSettings;
}

/** Variable holding each secret's ARN (runtime contract). */
const SECRET_VARIABLES: Record<SecretName, string> = { tokenSigningKey: 'TOKEN_SECRET_ARN' };

/**
 * Turns a declaration's needs into exactly what the runtime contract lists for them
 * (docs/runtime-contract.md, "Environment variables"): the variables of its environment, and on its
 * runtime the grants and the consumer-side security-group rules (written here, so the data stack
 * never depends on the services). Nothing that is not declared is granted.
 */
export class ServiceWiring {
  constructor(private readonly resources: SharedResources) {}

  /** The environment of code named `serviceName` (`POWERTOOLS_SERVICE_NAME`) with these needs. */
  environment(serviceName: string, needs: ServiceNeeds): Record<string, string> {
    const { database, cache, settings } = this.resources;
    return {
      POWERTOOLS_SERVICE_NAME: serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      ...(needs.database && {
        DB_WRITER_HOST: database.writerHost,
        DB_PORT: database.port,
        DB_NAME: database.name,
        DB_SECRET_ARN: database.secret.secretArn,
        DB_SSL: database.ssl,
      }),
      ...(needs.database === 'replicas' && { DB_READER_HOSTS: database.readerHosts.join(',') }),
      ...(needs.cache && {
        REDIS_HOST: cache.host,
        REDIS_PORT: cache.port,
        REDIS_TLS: String(cache.tls),
        ...(cache.authSecret && { REDIS_AUTH_SECRET_ARN: cache.authSecret.secretArn }),
      }),
      ...Object.fromEntries((needs.secrets ?? []).map((s) => [SECRET_VARIABLES[s], this.resources.secrets[s].secretArn])),
      ...(needs.settings?.includes('cacheTtl') &&
        settings.cacheTtlSeconds !== undefined && { CACHE_TTL_SECONDS: String(settings.cacheTtlSeconds) }),
      ...(needs.settings?.includes('orderLimits') && {
        ORDER_RESERVATION_TTL_SECONDS: String(settings.orders.reservationTtlSeconds),
        ORDER_MAX_OPEN_PER_USER: String(settings.orders.maxOpenOrdersPerUser),
      }),
      ...(needs.idempotencyTable && { IDEMPOTENCY_TABLE: this.resources.idempotencyTable.tableName }),
      ...(needs.emailQueue && { EMAIL_QUEUE_URL: this.resources.emailQueue.queueUrl }),
    };
  }

  /** Grants `runtime` what `needs` lists and opens its way into the database and cache. */
  connect(runtime: ServiceRuntime, needs: ServiceNeeds): void {
    const { database, cache } = this.resources;
    if (needs.database) {
      database.secret.grantRead(runtime);
      // The default port, not `database.port`: the latter may be a deploy-time token.
      if (database.connections) runtime.connections.allowToDefaultPort(database.connections, 'PostgreSQL');
    }
    if (needs.cache) {
      cache.authSecret?.grantRead(runtime);
      if (cache.connections) runtime.connections.allowToDefaultPort(cache.connections, 'Redis');
    }
    for (const secret of needs.secrets ?? []) this.resources.secrets[secret].grantRead(runtime);
    if (needs.idempotencyTable) this.resources.idempotencyTable.grantReadWriteData(runtime);
    if (needs.emailQueue) this.resources.emailQueue.grantSendMessages(runtime);
  }
}

export interface DeclaredFunctionProps {
  /** Builds a Lambda function with the stage's defaults. */
  readonly buildFunction: (scope: Construct, id: string, spec: FunctionSpec) => BuiltFunction;
  readonly wiring: ServiceWiring;
  /** Name of the service declaring it. */
  readonly service: string;
  /** The service's folder (the entry is relative to it). */
  readonly dir: string;
  readonly declaration: ServiceFunctionDeclaration;
}

/** A declared function as built; `authorizerFaults` is set for the token authorizer. */
export interface DeclaredFunction extends BuiltFunction {
  /**
   * The faults the authorizer's code counts (its Lambda errors include every rejected token).
   * @default - not the authorizer
   */
  readonly authorizerFaults?: cloudwatch.IMetric;
}

/**
 * A service's other function (an authorizer, a scheduled job): built, given what it declared, and
 * scheduled when it says so. Its constructs are `<id>Function` and `<id>Schedule` directly in `scope`,
 * the ids the deployed stacks already have (renaming one would replace the function).
 */
export function addDeclaredFunction(scope: Construct, props: DeclaredFunctionProps): DeclaredFunction {
  const { declaration: d, wiring } = props;
  const name = d.serviceName ?? props.service;
  const authorizerFaults = d.role === 'tokenAuthorizer' ? faultsMetric(name) : undefined;
  const fn = props.buildFunction(scope, `${d.id}Function`, {
    service: name,
    entry: path.join(props.dir, d.entry),
    environment: wiring.environment(name, d),
    timeout: d.timeoutSeconds === undefined ? undefined : Duration.seconds(d.timeoutSeconds),
    inVpc: d.outsideVpcReason === undefined,
    faultMetric: authorizerFaults,
  });
  wiring.connect(fn.function, d);
  if (d.outsideVpcReason) skipCheckov(fn.function, { id: 'CKV_AWS_117', comment: d.outsideVpcReason });
  if (d.schedule) {
    const rule = new events.Rule(scope, `${d.id}Schedule`, {
      description: d.schedule.description,
      schedule: events.Schedule.rate(Duration.minutes(d.schedule.everyMinutes)),
      targets: [new targets.LambdaFunction(fn.invokable, { retryAttempts: 0 })],
    });
    acknowledgeRetriedBySchedule(rule);
  }
  return { ...fn, authorizerFaults };
}
