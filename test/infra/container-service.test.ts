import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, cx_api as cxapi } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ContainerPlatform } from '../../lib/constructs/container-platform.js';
import { ContainerService, type ContainerServiceProps } from '../../lib/constructs/container-service.js';

const ENTRY = path.join(__dirname, 'fixtures', 'server.ts');

function build(image: Pick<ContainerServiceProps, 'architecture' | 'baseImage' | 'maxTasks'> = { maxTasks: 6 }) {
  const app = new App();
  const stack = new Stack(app, 'Services', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  const platform = new ContainerPlatform(stack, 'Platform', { vpc });
  const orders = new ContainerService(stack, 'Orders', {
    cluster: platform.cluster,
    listener: platform.listener,
    pathPrefix: '/orders',
    priority: 30,
    entry: ENTRY,
    environment: { POWERTOOLS_SERVICE_NAME: 'orders' },
    minTasks: 2,
    ...image,
  });
  return { app, stack, platform, orders, template: Template.fromStack(stack) };
}

/** The image asset as the CLI would build it: platform and build arguments from the asset manifest. */
function imageAsset(app: App, stack: Stack): { platform?: string; dockerBuildArgs?: Record<string, string> } {
  const assembly = app.synth();
  const manifest = assembly.artifacts.find((a) => a instanceof cxapi.AssetManifestArtifact && a.id.startsWith(stack.artifactId));
  const file = (manifest as cxapi.AssetManifestArtifact).file;
  const images = Object.values(JSON.parse(fs.readFileSync(file, 'utf8')).dockerImages) as Array<{ source: object }>;
  expect(images).toHaveLength(1);
  return images[0].source;
}

describe('ContainerService', () => {
  const { app, template, stack, platform, orders } = build();

  // An x86 build host (most CI runners) would otherwise push an amd64 image to ARM64 tasks:
  // `exec format error`, and the circuit breaker rolls the stack back.
  test("the image is built for the tasks' CPU, ARM64 by default, whatever the build host", () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    expect(imageAsset(app, stack)).toMatchObject({
      platform: 'linux/arm64',
      dockerBuildArgs: { BASE_IMAGE: 'public.ecr.aws/docker/library/node:24-alpine' },
    });
  });

  test('x86_64 tasks get an amd64 image; the base image is a build argument', () => {
    const x86 = build({ architecture: 'x86_64', baseImage: 'storefront-local/node:24', maxTasks: 6 });
    x86.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
    expect(imageAsset(x86.app, x86.stack)).toMatchObject({
      platform: 'linux/amd64',
      dockerBuildArgs: { BASE_IMAGE: 'storefront-local/node:24' },
    });
  });

  test('a fixed task count (min = max) has no scaling policy', () => {
    const fixed = build({ maxTasks: 2 });
    fixed.template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    fixed.template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 0);
    fixed.template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 });
  });

  test('the container knows its region, as Fargate tells it (an emulator does not)', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Environment: Match.arrayWith([{ Name: 'AWS_REGION', Value: 'eu-west-1' }]) })],
    });
  });

  test('its own target group checks /health on the container port and drains for 30 s', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      Protocol: 'HTTP',
      TargetType: 'ip',
      HealthCheckPath: '/health',
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
  });

  test('a path rule on the shared listener sends /orders* to it', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 30,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/orders', '/orders*'] } }],
      Actions: [Match.objectLike({ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('OrdersTargets') } })],
    });
  });

  test('deployments roll back on the circuit breaker', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
      }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
  });

  test('it scales on CPU and on ALB requests per target between the configured bounds', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
        TargetValue: 1000,
      }),
    });
  });

  test('the container runs as a non-root user on a read-only root file system, logging to its group', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          User: '1000:1000',
          ReadonlyRootFilesystem: true,
          PortMappings: [Match.objectLike({ ContainerPort: 8080 })],
          Environment: Match.arrayWith([
            { Name: 'POWERTOOLS_SERVICE_NAME', Value: 'orders' },
            { Name: 'PORT', Value: '8080' },
          ]),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('only the ALB reaches the tasks, on the container port', () => {
    const albSg = stack.resolve(platform.loadBalancer.connections.securityGroups[0].securityGroupId);
    const serviceSg = stack.resolve(orders.connections.securityGroups[0].securityGroupId);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: serviceSg,
      SourceSecurityGroupId: albSg,
      FromPort: 8080,
      ToPort: 8080,
    });
  });

  test('outbound is HTTPS only until a consumer-side rule opens the database or cache', () => {
    const sg = Object.values(
      template.findResources('AWS::EC2::SecurityGroup', {
        Properties: { GroupDescription: 'Orders container service' },
      }),
    )[0].Properties;
    expect(sg.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
    ]);
  });

  test('min above max fails synth with both bounds named', () => {
    const s = new Stack(new App(), 'Bad', { env: { account: '111111111111', region: 'eu-west-1' } });
    const p = new ContainerPlatform(s, 'P', { vpc: new ec2.Vpc(s, 'V') });
    expect(
      () =>
        new ContainerService(s, 'X', {
          cluster: p.cluster,
          listener: p.listener,
          pathPrefix: '/x',
          priority: 1,
          entry: ENTRY,
          minTasks: 3,
          maxTasks: 2,
        }),
    ).toThrow(/minTasks <= maxTasks/);
  });
});
