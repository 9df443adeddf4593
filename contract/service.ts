/**
 * What a service declares about itself in `lambda/<service>/service.ts`: its entries and what it
 * needs from the shop. The CDK app finds the declarations by listing the services' folder and turns
 * each need into exactly its environment variables, grants and security-group rules
 * (lib/constructs/service-wiring.ts); its routes are the contract's rows it owns (routes.ts).
 * Plain data, so both sides may import it; it imports nothing of either.
 */
import type { ApiService } from './routes.js';

/** Secrets a service may read at runtime; only their ARNs reach its environment. */
export type SecretName = 'tokenSigningKey';

/** Stage settings a service may read (values come from the stage config). */
export type SettingName = 'cacheTtl' | 'orderLimits';

/** The shop's shared resources a piece of code uses; each one is granted and nothing else. */
export interface ServiceNeeds {
  /**
   * PostgreSQL: `primary` reads and writes the primary (`DB_*`); `replicas` also reads from the
   * read replicas (`DB_READER_HOSTS`). Either way the credentials secret and a way in.
   * @default - no database
   */
  readonly database?: 'primary' | 'replicas';
  /**
   * Redis (`REDIS_*`): its AUTH secret, when it has one, and a way in.
   * @default false
   */
  readonly cache?: boolean;
  /**
   * Secrets it reads (`TOKEN_SECRET_ARN`, ...).
   * @default - none
   */
  readonly secrets?: readonly SecretName[];
  /**
   * Sends jobs to the order-confirmation email queue (`EMAIL_QUEUE_URL`).
   * @default false
   */
  readonly emailQueue?: boolean;
  /**
   * Reads and writes idempotency records (`IDEMPOTENCY_TABLE`).
   * @default false
   */
  readonly idempotencyTable?: boolean;
  /**
   * Stage settings it reads (`CACHE_TTL_SECONDS`, `ORDER_*`).
   * @default - none
   */
  readonly settings?: readonly SettingName[];
}

/** A function of the service besides its request handler, on Lambda in every stage. */
export interface ServiceFunctionDeclaration extends ServiceNeeds {
  /** Names its constructs (`<id>Function`, `<id>Schedule`): part of the deployed contract, never renamed. */
  readonly id: string;
  /** Entry file, relative to the service's folder. */
  readonly entry: string;
  /**
   * Its identity in logs and metrics (`POWERTOOLS_SERVICE_NAME`).
   * @default - the service's name
   */
  readonly serviceName?: string;
  /**
   * Longest run of one invocation, in seconds.
   * @default - the function construct's default
   */
  readonly timeoutSeconds?: number;
  /**
   * Invoked on a schedule (no retries: the next run picks the work up).
   * @default - not scheduled
   */
  readonly schedule?: { readonly everyMinutes: number; readonly description: string };
  /**
   * `tokenAuthorizer`: the API's TOKEN authorizer on the signed-in routes. Its Lambda errors include
   * every rejected token, so its faults are the ones its code counts under its own `serviceName`.
   * @default - no role in the API
   */
  readonly role?: 'tokenAuthorizer';
  /**
   * Why it may run outside the VPC (it reaches only AWS APIs): faster starts, no NAT. Unset, it runs
   * in the VPC's application subnets.
   * @default - in the VPC
   */
  readonly outsideVpcReason?: string;
}

/** One service: `lambda/<name>/service.ts` exports it as `service`. */
export interface ServiceDeclaration extends ServiceNeeds {
  /** The folder's name, the owner of its routes in the contract, `POWERTOOLS_SERVICE_NAME`. */
  readonly name: ApiService;
  /**
   * Lambda entry, relative to the folder.
   * @default 'handler.ts'
   */
  readonly handler?: string;
  /**
   * Container entry (an HTTP server on `PORT`), relative to the folder.
   * @default 'server.ts'
   */
  readonly server?: string;
  /**
   * Path the load balancer probes when the service runs on Fargate.
   * @default '/health'
   */
  readonly healthCheckPath?: string;
  /**
   * Its other functions (an authorizer, a scheduled job), from the same folder.
   * @default - none
   */
  readonly functions?: readonly ServiceFunctionDeclaration[];
}
