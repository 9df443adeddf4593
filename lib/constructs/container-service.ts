import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { serverBundle } from './bundling.js';
import { acknowledgeGrantPolicy } from './nag.js';

/** Port every service's `server.ts` listens on (runtime contract: `PORT`, default 8080). */
export const CONTAINER_PORT = 8080;
const DOCKERFILE_DIR = path.join(__dirname, 'container-image');
const DEFAULT_BASE_IMAGE = 'public.ecr.aws/docker/library/node:24-alpine';

export interface ContainerServiceProps {
  /** Cluster the service runs in; its VPC hosts the target group. */
  readonly cluster: ecs.ICluster;
  /** Listener of the shared internal ALB that gets this service's path rule. */
  readonly listener: elbv2.IApplicationListener;
  /** Path prefix owned by the service, e.g. `/auth`; the rule matches `/auth` and `/auth*`. */
  readonly pathPrefix: string;
  /**
   * Path patterns of the listener rule, when the ALB sees more than the prefix (the API stage in
   * front of it: `loadBalancerPathPatterns`).
   * @default [pathPrefix, `${pathPrefix}*`]
   */
  readonly pathPatterns?: readonly string[];
  /** Listener rule priority, unique per listener. */
  readonly priority: number;
  /** The service's HTTP entry point (`lambda/<service>/server.ts`), bundled with esbuild at synth. */
  readonly entry: string;
  /** Environment of the container (runtime contract); no secret values, only ARNs. */
  readonly environment?: Record<string, string>;
  /** Tasks always running. */
  readonly minTasks: number;
  /** Upper bound for autoscaling; equal to `minTasks`, the service runs a fixed count with no scaling policy. */
  readonly maxTasks: number;
  /**
   * CPU of the tasks; the image is built for the same one, whatever the build host is.
   * @default 'arm64'
   */
  readonly architecture?: 'arm64' | 'x86_64';
  /**
   * Node.js 24 base image (the Dockerfile's `BASE_IMAGE` build argument).
   * @default 'public.ecr.aws/docker/library/node:24-alpine'
   */
  readonly baseImage?: string;
  /**
   * vCPU units of the task.
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Memory of the task in MiB.
   * @default 512
   */
  readonly memoryLimitMiB?: number;
  /**
   * Average CPU the service scales to hold.
   * @default 60
   */
  readonly targetCpuPercent?: number;
  /**
   * ALB requests per task per minute the service scales to hold.
   * @default 1000
   */
  readonly requestsPerTarget?: number;
  /**
   * How long the ALB drains a task's open requests before stopping it.
   * @default Duration.seconds(30)
   */
  readonly deregistrationDelay?: Duration;
  /**
   * Path the ALB probes.
   * @default '/health'
   */
  readonly healthCheckPath?: string;
  /**
   * Retention of the container log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Subnets of the tasks.
   * @default private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/**
 * One Storefront service on Fargate behind the shared internal ALB: the same esbuild bundle as the
 * Lambda variant in a minimal Node image, its own target group and path rule, `/health` checks,
 * connection draining, CPU and request-count autoscaling, a deployment circuit breaker with
 * rollback, a non-root user and a read-only root file system.
 *
 * Grants and security-group rules are written against it exactly as against a Lambda function:
 * it is `IGrantable` (the task role) and `IConnectable` (the service's security group).
 */
export class ContainerService extends Construct implements iam.IGrantable, ec2.IConnectable {
  readonly service: ecs.FargateService;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly logGroup: logs.LogGroup;
  readonly grantPrincipal: iam.IPrincipal;
  readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: ContainerServiceProps) {
    super(scope, id);
    if (props.minTasks < 1 || props.maxTasks < props.minTasks) {
      throw new Error(`ContainerService ${id}: need 1 <= minTasks <= maxTasks, got ${props.minTasks}..${props.maxTasks}`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    const arm = (props.architecture ?? 'arm64') === 'arm64';
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu ?? 256,
      memoryLimitMiB: props.memoryLimitMiB ?? 512,
      runtimePlatform: {
        cpuArchitecture: arm ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    taskDefinition.addContainer('App', {
      // The platform follows the task's CPU: without it an x86 build host pushes an amd64 image.
      image: ecs.ContainerImage.fromAsset(bundleServer(props.entry), {
        platform: arm ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
        buildArgs: { BASE_IMAGE: props.baseImage ?? DEFAULT_BASE_IMAGE },
      }),
      // Fargate's agent sets AWS_REGION as well; an emulator's does not, and the SDK needs it.
      environment: { ...props.environment, PORT: String(CONTAINER_PORT), AWS_REGION: Stack.of(this).region },
      portMappings: [{ containerPort: CONTAINER_PORT }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: id.toLowerCase(), logGroup: this.logGroup }),
      readonlyRootFilesystem: true,
      user: '1000:1000',
      essential: true,
    });

    // Outbound is opened explicitly: HTTPS to AWS APIs and ECR here, the database and cache by
    // the consumer-side rules the stack writes.
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.cluster.vpc,
      description: `${id} container service`,
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs and ECR (Secrets Manager, SQS, DynamoDB, logs)');

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition,
      desiredCount: props.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      securityGroups: [securityGroup],
      // Gives the new tasks time to pass the ALB health checks before ECS judges them.
      healthCheckGracePeriod: Duration.seconds(60),
    });

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc: props.cluster.vpc,
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.service],
      deregistrationDelay: props.deregistrationDelay ?? Duration.seconds(30),
      healthCheck: {
        path: props.healthCheckPath ?? '/health',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    new elbv2.ApplicationListenerRule(this, 'Rule', {
      listener: props.listener,
      priority: props.priority,
      conditions: [elbv2.ListenerCondition.pathPatterns([...(props.pathPatterns ?? [props.pathPrefix, `${props.pathPrefix}*`])])],
      targetGroups: [this.targetGroup],
    });

    if (props.maxTasks > props.minTasks) {
      const scaling = this.service.autoScaleTaskCount({ minCapacity: props.minTasks, maxCapacity: props.maxTasks });
      scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: props.targetCpuPercent ?? 60 });
      scaling.scaleOnRequestCount('Requests', {
        requestsPerTarget: props.requestsPerTarget ?? 1000,
        targetGroup: this.targetGroup,
      });
    }

    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds only endpoints, names and secret ARNs (runtime contract); secret values are read at runtime',
    });
    Validations.of(taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions; image pulls are scoped to the asset repository',
    });
    acknowledgeGrantPolicy(taskDefinition.taskRole);
    acknowledgeGrantPolicy(taskDefinition.obtainExecutionRole());

    this.grantPrincipal = taskDefinition.taskRole;
    this.connections = this.service.connections;
  }
}

/**
 * Bundles `entry` into one ESM file beside the Dockerfile and returns the directory, the image's
 * build context (`bundling.ts`: rebuilt whenever an input changes, named by the hash of the inputs).
 */
function bundleServer(entry: string): string {
  return serverBundle(entry, { Dockerfile: fs.readFileSync(path.join(DOCKERFILE_DIR, 'Dockerfile')) });
}
