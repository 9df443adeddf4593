import { Template } from 'aws-cdk-lib/assertions';
import { DOCKER_HOST_ADDRESS, LOCAL_REPLICA_PORT } from '../../lib/config/stages/local-containers.js';
import { buildStage } from './support/stage.js';

/**
 * The local stage in prod's compute shape (`local-containers`), as `npm run local` deploys it with
 * Docker: the same constructs as prod, with only what the emulator cannot run swapped by config.
 */
const { stage } = buildStage('local-containers');
const services = Template.fromStack(stage.services);
const prodServices = Template.fromStack(buildStage('prod').stage.services);

describe('local-containers', () => {
  test('catalog, orders and payments on Fargate as two tasks each; auth on Lambda, as in prod', () => {
    const desired = Object.values(services.findResources('AWS::ECS::Service')).map((s) => s.Properties.DesiredCount);
    expect(desired).toEqual([2, 2, 2]);
    expect(Object.keys(services.findResources('AWS::ECS::Service'))).toEqual(Object.keys(prodServices.findResources('AWS::ECS::Service')));
    services.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'auth', DB_WRITER_HOST: DOCKER_HOST_ADDRESS } },
    });
  });

  test('the same ALB, target groups, path rules and health checks as prod', () => {
    for (const type of [
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      'AWS::ElasticLoadBalancingV2::ListenerRule',
    ]) {
      expect(Object.keys(services.findResources(type))).toEqual(Object.keys(prodServices.findResources(type)));
    }
    const rules = (t: Template) =>
      Object.values(t.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')).map((r) => [
        r.Properties.Priority,
        r.Properties.Conditions,
      ]);
    expect(rules(services)).toEqual(rules(prodServices));
    const checks = (t: Template) =>
      Object.values(t.findResources('AWS::ElasticLoadBalancingV2::TargetGroup')).map((r) => [
        r.Properties.HealthCheckPath,
        r.Properties.Matcher,
      ]);
    expect(checks(services)).toEqual(checks(prodServices));
  });

  test('API Gateway reaches the ALB as plain HTTP to the emulator data plane, the path as a VPC link sends it; no VPC link', () => {
    services.resourceCountIs('AWS::ApiGatewayV2::VpcLink', 0);
    const proxies = Object.values(services.findResources('AWS::ApiGateway::Method'))
      .map((m) => m.Properties.Integration)
      .filter((i) => i.Type === 'HTTP_PROXY');
    expect(proxies.length).toBeGreaterThan(0);
    for (const integration of proxies) {
      expect(integration.ConnectionType).toBeUndefined();
      const [prefix, lbName, path] = integration.Uri['Fn::Join'][1];
      expect(prefix).toBe('http://127.0.0.1:4599/_alb/');
      expect(lbName).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ContainerPlatformLoadBalancer/), 'LoadBalancerName'] });
      expect(path).toMatch(/^\/(products|orders|payments)/);
    }
  });

  test('no resource the emulator has no handler for: no scaling policies; security-group rules kept under a false condition', () => {
    services.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    const rules = {
      ...services.findResources('AWS::EC2::SecurityGroupIngress'),
      ...services.findResources('AWS::EC2::SecurityGroupEgress'),
    };
    expect(Object.keys(rules).length).toBeGreaterThan(0);
    for (const rule of Object.values(rules)) expect(rule.Condition).toBe('SecurityGroupRulesDeployed');
    expect(services.toJSON().Conditions.SecurityGroupRulesDeployed).toEqual({ 'Fn::Equals': ['emulator', 'aws'] });
    // prod deploys every rule.
    for (const rule of Object.values(prodServices.findResources('AWS::EC2::SecurityGroupIngress'))) expect(rule.Condition).toBeUndefined();
  });

  test("reads go to the shop's own streaming replica; tasks are built for this host", () => {
    const task = Object.values(services.findResources('AWS::ECS::TaskDefinition'))[0].Properties;
    const env = Object.fromEntries(
      task.ContainerDefinitions[0].Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]),
    );
    expect(env.DB_READER_HOSTS).toBe(`${DOCKER_HOST_ADDRESS}:${LOCAL_REPLICA_PORT}`);
    expect(task.RuntimePlatform.CpuArchitecture).toBe(process.arch === 'arm64' ? 'ARM64' : 'X86_64');
  });
});
