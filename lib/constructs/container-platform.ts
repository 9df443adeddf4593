import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ApiBackend } from './api-backend.js';
import { skipCheckov } from './checkov.js';
import { acknowledgeLogBucket } from './nag.js';

export interface ContainerPlatformProps {
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the load balancer and of the VPC link's network interfaces.
   * @default private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Bucket (same region, S3-managed encryption) receiving the ALB's access logs.
   * @default - a private bucket of its own, logs kept 90 days
   */
  readonly accessLogBucket?: s3.IBucket;
  /**
   * What happens to the access-log bucket this construct creates when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Protect the load balancer from deletion.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * Create the VPC link V2 through which the REST API reaches the ALB. Off only where API Gateway
   * reaches the load balancer another way (the emulator's data plane, which has no VPC link).
   * @default true
   */
  readonly vpcLink?: boolean;
}

/** Body of the listener's default answer, in the services' error shape. */
const NOT_FOUND_BODY = JSON.stringify({ error: { code: 'NOT_FOUND', message: 'No such route', details: [] } });

/**
 * What the container services share: an ECS cluster with Container Insights, an internal ALB whose
 * listener answers unknown paths with a JSON 404 (services add their own path rules), and the API
 * Gateway VPC link (V2) through which the REST API reaches that ALB without an NLB in between.
 */
export class ContainerPlatform extends Construct {
  readonly cluster: ecs.Cluster;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  /** Undefined when `vpcLink` is off. */
  readonly vpcLink?: apigwv2.VpcLink;

  constructor(scope: Construct, id: string, props: ContainerPlatformProps) {
    super(scope, id);
    const subnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: false,
      vpcSubnets: subnets,
      dropInvalidHeaderFields: true,
      deletionProtection: props.deletionProtection ?? false,
    });
    this.loadBalancer.logAccessLogs(props.accessLogBucket ?? this.createLogBucket(props.logRemovalPolicy), 'alb');

    // Plain HTTP inside the VPC: the ALB is internal and only the VPC link's ENIs may reach it.
    this.listener = this.loadBalancer.addListener('Http', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'application/json',
        messageBody: NOT_FOUND_BODY,
      }),
    });
    const plainHttp = 'Internal ALB reached only from the VPC link security group; TLS ends at CloudFront and API Gateway (ADR 0010)';
    skipCheckov(this.listener, { id: 'CKV_AWS_2', comment: plainHttp }, { id: 'CKV_AWS_103', comment: plainHttp });
    Validations.of(this.listener).acknowledge(
      { id: 'PCI.DSS.321-ALBHttpToHttpsRedirection', reason: plainHttp },
      { id: 'PCI.DSS.321-ELBv2ACMCertificateRequired', reason: plainHttp },
    );
    Validations.of(this.loadBalancer).acknowledge({
      id: 'PCI.DSS.321-ALBWAFEnabled',
      reason:
        'Internal ALB that admits only the VPC link: every request it sees has passed the REGIONAL web ACL on the API stage (and the CloudFront one); a second association would inspect and bill each request twice.',
    });

    if (props.vpcLink === false) return;
    const linkSecurityGroup = new ec2.SecurityGroup(this, 'VpcLinkSecurityGroup', {
      vpc: props.vpc,
      description: 'API Gateway VPC link to the internal ALB',
      allowAllOutbound: false,
    });
    this.loadBalancer.connections.allowFrom(linkSecurityGroup, ec2.Port.tcp(80), 'API Gateway VPC link');
    this.vpcLink = new apigwv2.VpcLink(this, 'VpcLink', {
      vpc: props.vpc,
      subnets,
      securityGroups: [linkSecurityGroup],
    });
  }

  /**
   * How the REST API reaches the load balancer: through the VPC link or, where there is none (an
   * emulator), over plain HTTP at `<emulatorBaseUrl>/<load balancer name>` on its data plane.
   * @param emulatorBaseUrl the emulator's load-balancer data plane; unset, the VPC link
   */
  apiBackend(emulatorBaseUrl?: string): ApiBackend {
    if (emulatorBaseUrl !== undefined) return ApiBackend.loadBalancerUrl(emulatorBaseUrl, this.loadBalancer.loadBalancerName);
    if (!this.vpcLink) throw new Error('ContainerPlatform: without a VPC link the REST API reaches the ALB only at an emulator URL');
    return ApiBackend.privateLoadBalancer(this.vpcLink, this.loadBalancer);
  }

  private createLogBucket(removalPolicy = RemovalPolicy.RETAIN): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // ALB access logs only support SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the ALB access-log bucket; logging it into another bucket adds nothing',
    });
    acknowledgeLogBucket(bucket, 'Elastic Load Balancing', 'delivers access logs only to SSE-S3 buckets.');
    Validations.of(bucket).acknowledge({
      id: 'PCI.DSS.321-S3BucketLoggingEnabled',
      reason: 'This is the ALB access-log bucket; logging it into another bucket adds nothing',
    });
    skipCheckov(
      bucket,
      { id: 'CKV_AWS_18', comment: 'This is the ALB access-log bucket; logging it into another bucket adds nothing' },
      {
        id: 'CKV_AWS_21',
        comment:
          'Log objects are written once and expire by lifecycle; versions would only keep expired logs (tamper-proofing would be Object Lock)',
      },
    );
    return bucket;
  }
}
