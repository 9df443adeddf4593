import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ContainerPlatform } from '../../lib/constructs/container-platform.js';
import { ContainerService } from '../../lib/constructs/container-service.js';

const ENTRY = path.join(__dirname, 'fixtures', 'server.ts');

function build() {
  const stack = new Stack(new App(), 'Services', { env: { account: '111111111111', region: 'eu-west-1' } });
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
    maxTasks: 6,
  });
  return { stack, platform, orders, template: Template.fromStack(stack) };
}

describe('ContainerService', () => {
  const { template, stack, platform, orders } = build();

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
