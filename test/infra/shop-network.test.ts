import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ShopNetwork, type ShopNetworkProps } from '../../lib/constructs/shop-network.js';

function build(props: Partial<ShopNetworkProps> = {}) {
  const stack = new Stack(new App(), 'Network', { env: { account: '111111111111', region: 'eu-west-1' } });
  const network = new ShopNetwork(stack, 'Network', { maxAzs: 2, natGateways: 1, ...props });
  const template = Template.fromStack(stack);
  /** `{Ref: ...}` of the route tables of one subnet group, as the template writes them. */
  const routeTablesOf = (subnetGroupName: string) =>
    network.vpc.selectSubnets({ subnetGroupName }).subnets.map((s) => stack.resolve(s.routeTable.routeTableId));
  const subnetIdsOf = (subnetGroupName: string) => network.vpc.selectSubnets({ subnetGroupName }).subnetIds.map((id) => stack.resolve(id));
  return { stack, network, template, routeTablesOf, subnetIdsOf };
}

/** Subnets of one group, by the tag the CDK writes on each. */
function subnetsNamed(template: Template, name: string) {
  return Object.values(
    template.findResources('AWS::EC2::Subnet', {
      Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: name }]) },
    }),
  ).map((s) => s.Properties);
}

const typeTag = (subnet: { Tags: { Key: string; Value: string }[] }) => subnet.Tags.find((t) => t.Key === 'aws-cdk:subnet-type')?.Value;

/** Roles the VPC Flow Logs service assumes to deliver to CloudWatch Logs. */
function flowLogRoles(template: Template) {
  return Object.keys(
    template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'vpc-flow-logs.amazonaws.com' } })] },
      },
    }),
  );
}

/** Route tables that have a default route (0.0.0.0/0), and what it goes through. */
function defaultRoutes(template: Template) {
  return Object.values(template.findResources('AWS::EC2::Route', { Properties: { DestinationCidrBlock: '0.0.0.0/0' } })).map(
    (r) => r.Properties as { RouteTableId: unknown; NatGatewayId?: unknown; GatewayId?: unknown },
  );
}

describe('ShopNetwork', () => {
  describe('with NAT egress (dev/prod shape)', () => {
    const { template, routeTablesOf } = build({ maxAzs: 3, natGateways: 1 });

    test('three subnet groups, one subnet per AZ each: public, application (egress) and isolated data', () => {
      const pub = subnetsNamed(template, 'Public');
      const app = subnetsNamed(template, ShopNetwork.APP_SUBNETS);
      const data = subnetsNamed(template, ShopNetwork.DATA_SUBNETS);
      expect([pub.length, app.length, data.length]).toEqual([3, 3, 3]);
      template.resourceCountIs('AWS::EC2::Subnet', 9);
      expect(pub.map(typeTag)).toEqual(['Public', 'Public', 'Public']);
      expect(app.map(typeTag)).toEqual(['Private', 'Private', 'Private']);
      expect(data.map(typeTag)).toEqual(['Isolated', 'Isolated', 'Isolated']);
      // No subnet hands out public IPs (PCI DSS 1.3): the NAT gateways bring their Elastic IPs.
      expect([...pub, ...app, ...data].every((s) => s.MapPublicIpOnLaunch === false)).toBe(true);
    });

    test('application subnets leave through the NAT; data subnets have no default route at all', () => {
      const routes = defaultRoutes(template);
      const routed = (table: unknown) => routes.filter((r) => JSON.stringify(r.RouteTableId) === JSON.stringify(table));
      expect(routeTablesOf(ShopNetwork.DATA_SUBNETS)).toHaveLength(3);
      for (const table of routeTablesOf(ShopNetwork.APP_SUBNETS)) {
        expect(routed(table)).toEqual([expect.objectContaining({ NatGatewayId: expect.anything() })]);
      }
      for (const table of routeTablesOf(ShopNetwork.DATA_SUBNETS)) expect(routed(table)).toEqual([]);
      for (const table of routeTablesOf('Public')) {
        expect(routed(table)).toEqual([expect.objectContaining({ GatewayId: expect.anything() })]);
      }
    });

    test('no interface endpoints: the NAT reaches the AWS APIs', () => {
      template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
      expect(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })).toEqual({});
    });
  });

  test.each([0, 1, 3])('the NAT gateway count follows the prop (%i)', (natGateways) => {
    const { template } = build({ maxAzs: 3, natGateways });
    template.resourceCountIs('AWS::EC2::NatGateway', natGateways);
    template.resourceCountIs('AWS::EC2::EIP', natGateways);
  });

  test('S3 and DynamoDB gateway endpoints serve the application and data route tables', () => {
    const { template, routeTablesOf } = build();
    for (const service of ['s3', 'dynamodb']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
        RouteTableIds: Match.arrayWith([...routeTablesOf(ShopNetwork.APP_SUBNETS), ...routeTablesOf(ShopNetwork.DATA_SUBNETS)]),
      });
    }
  });

  describe('without NAT (no egress)', () => {
    const { template, subnetIdsOf } = build({ natGateways: 0 });

    test('the application subnets are isolated and no route leaves them', () => {
      expect(subnetsNamed(template, ShopNetwork.APP_SUBNETS).map(typeTag)).toEqual(['Isolated', 'Isolated']);
      expect(defaultRoutes(template).some((r) => r.NatGatewayId !== undefined)).toBe(false);
    });

    test('Secrets Manager, SQS and SES (issue 8: the email worker sends from the VPC) interface endpoints in the application subnets, with private DNS', () => {
      const endpoints = Object.values(
        template.findResources('AWS::EC2::VPCEndpoint', {
          Properties: { VpcEndpointType: 'Interface' },
        }),
      ).map((e) => e.Properties);
      expect(endpoints.map((e) => e.ServiceName).sort()).toEqual([
        'com.amazonaws.eu-west-1.email',
        'com.amazonaws.eu-west-1.secretsmanager',
        'com.amazonaws.eu-west-1.sqs',
      ]);
      for (const endpoint of endpoints) {
        expect(endpoint.PrivateDnsEnabled).toBe(true);
        expect(endpoint.SubnetIds).toEqual(subnetIdsOf(ShopNetwork.APP_SUBNETS));
      }
    });

    test('the endpoints accept HTTPS from inside the VPC only', () => {
      const groups = Object.values(template.findResources('AWS::EC2::SecurityGroup')).map((g) => g.Properties);
      expect(groups).toHaveLength(3);
      for (const group of groups) {
        expect(group.SecurityGroupIngress).toEqual([
          expect.objectContaining({
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            CidrIp: { 'Fn::GetAtt': [expect.stringMatching(/^NetworkVpc/), 'CidrBlock'] },
          }),
        ]);
      }
    });

    test('interface endpoints can be turned off (the local emulator has none)', () => {
      const { template: off } = build({ natGateways: 0, interfaceEndpoints: false });
      expect(off.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })).toEqual({});
      // The free gateway endpoints stay.
      off.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    });
  });

  describe('flow logs', () => {
    test('on by default: rejected traffic of the whole VPC to a log group kept a month, deleted with the stack', () => {
      const { template } = build();
      template.hasResourceProperties('AWS::EC2::FlowLog', {
        ResourceType: 'VPC',
        ResourceId: { Ref: Match.stringLikeRegexp('^NetworkVpc') },
        TrafficType: 'REJECT',
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: { Ref: Match.stringLikeRegexp('^NetworkFlowLogs') },
      });
      expect(flowLogRoles(template)).toHaveLength(1);
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: logs.RetentionDays.ONE_MONTH },
        DeletionPolicy: 'Delete',
      });
    });

    test('retention and removal policy follow the props', () => {
      const { template } = build({ flowLogRetention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: logs.RetentionDays.THREE_MONTHS },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    test('off when told: no flow log, no log group, no delivery role', () => {
      const { template } = build({ flowLogs: false });
      template.resourceCountIs('AWS::EC2::FlowLog', 0);
      template.resourceCountIs('AWS::Logs::LogGroup', 0);
      expect(flowLogRoles(template)).toEqual([]);
    });
  });

  describe('default security group', () => {
    test('its rules are removed by default', () => {
      const { template } = build();
      template.hasResourceProperties('Custom::VpcRestrictDefaultSG', {
        DefaultSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkVpc'), 'DefaultSecurityGroup'] },
      });
    });

    test('left alone when told (the local emulator cannot run the custom resource)', () => {
      const { template } = build({ restrictDefaultSecurityGroup: false });
      template.resourceCountIs('Custom::VpcRestrictDefaultSG', 0);
      template.resourceCountIs('AWS::Lambda::Function', 0);
    });
  });
});
