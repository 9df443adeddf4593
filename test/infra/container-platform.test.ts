import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ContainerPlatform } from '../../lib/constructs/container-platform.js';

describe('ContainerPlatform', () => {
  const stack = new Stack(new App(), 'Services', { env: { account: '111111111111', region: 'eu-west-1' } });
  const platform = new ContainerPlatform(stack, 'Platform', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }) });
  const template = Template.fromStack(stack);

  test('the cluster has Container Insights', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  test('the ALB is internal, drops invalid headers and answers unknown paths with a JSON 404', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [
        Match.objectLike({
          Type: 'fixed-response',
          FixedResponseConfig: Match.objectLike({ StatusCode: '404', ContentType: 'application/json' }),
        }),
      ],
    });
  });

  test('checkov: the plain-HTTP skips sit on the internal ALB listener only', () => {
    const skipped = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::Listener')).map((l) =>
      ((l.Metadata?.checkov?.skip ?? []) as { id: string }[]).map((s) => s.id),
    );
    expect(skipped).toEqual([['CKV_AWS_2', 'CKV_AWS_103']]);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
  });

  test('a VPC link V2 in the private subnets is the only way into the ALB', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::VpcLink', 1);
    template.resourceCountIs('AWS::ApiGateway::VpcLink', 0);
    const albSg = stack.resolve(platform.loadBalancer.connections.securityGroups[0].securityGroupId);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .map((r) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(albSg));
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({
      FromPort: 80,
      ToPort: 80,
      SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/VpcLinkSecurityGroup/), 'GroupId'] },
    });
    const albGroups = template.findResources('AWS::EC2::SecurityGroup', { Properties: { SecurityGroupIngress: Match.anyValue() } });
    expect(Object.keys(albGroups)).toHaveLength(0);
  });
});

describe('ContainerPlatform access logs', () => {
  test('the ALB logs to a private bucket of its own by default', () => {
    const stack = new Stack(new App(), 'Services', { env: { account: '111111111111', region: 'eu-west-1' } });
    new ContainerPlatform(stack, 'Platform', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.prefix', Value: 'alb' },
      ]),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
    });
  });
});
