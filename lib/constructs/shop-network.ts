import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeGrantPolicy } from './nag.js';

export interface ShopNetworkProps {
  /** Availability zones to span. */
  readonly maxAzs: number;
  /**
   * NAT gateways (one per AZ for zone-independent egress in prod). With zero, the application
   * subnets are isolated and reach AWS APIs through interface endpoints instead.
   */
  readonly natGateways: number;
  /**
   * Log rejected traffic to CloudWatch Logs.
   * @default true
   */
  readonly flowLogs?: boolean;
  /**
   * Remove the default security group's rules.
   * @default true
   */
  readonly restrictDefaultSecurityGroup?: boolean;
  /**
   * Interface endpoints (Secrets Manager, SQS, SES) for the application subnets when there is no NAT.
   * @default true
   */
  readonly interfaceEndpoints?: boolean;
  /**
   * Retention of the VPC flow logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The VPC: public subnets (load balancer, NAT), application subnets (services), and isolated data
 * subnets (database, cache) with no route to the internet in either direction.
 */
export class ShopNetwork extends Construct {
  static readonly APP_SUBNETS = 'App';
  static readonly DATA_SUBNETS = 'Data';

  readonly vpc: ec2.Vpc;
  readonly appSubnets: ec2.SubnetSelection = { subnetGroupName: ShopNetwork.APP_SUBNETS };
  readonly dataSubnets: ec2.SubnetSelection = { subnetGroupName: ShopNetwork.DATA_SUBNETS };

  constructor(scope: Construct, id: string, props: ShopNetworkProps) {
    super(scope, id);
    const egress = props.natGateways > 0;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: props.maxAzs,
      natGateways: props.natGateways,
      restrictDefaultSecurityGroup: props.restrictDefaultSecurityGroup ?? true,
      subnetConfiguration: [
        // Only NAT gateways (own Elastic IPs) live here, and the load balancer is internal: nothing
        // launched in these subnets should get a public address by default.
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        {
          name: ShopNetwork.APP_SUBNETS,
          subnetType: egress ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED,
          cidrMask: 22,
        },
        { name: ShopNetwork.DATA_SUBNETS, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Gateway endpoints cost nothing and keep DynamoDB and S3 traffic off the NAT.
      gatewayEndpoints: {
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
      flowLogs:
        props.flowLogs === false
          ? undefined
          : {
              Rejected: {
                destination: ec2.FlowLogDestination.toCloudWatchLogs(
                  new logs.LogGroup(this, 'FlowLogs', {
                    retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
                    removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
                  }),
                ),
                trafficType: ec2.FlowLogTrafficType.REJECT,
              },
            },
    });
    acknowledgeGrantPolicy(this.vpc.node.tryFindChild('Rejected')?.node.tryFindChild('IAMRole'));
    for (const subnet of this.vpc.publicSubnets) {
      Validations.of(subnet.node.findChild('DefaultRoute')).acknowledge({
        id: 'PCI.DSS.321-VPCNoUnrestrictedRouteToIGW',
        reason: "The public subnets' route to the internet gateway is the NAT gateways' way out; no service runs in them.",
      });
    }
    if (props.flowLogs === false) {
      Validations.of(this.vpc).acknowledge({
        id: 'AwsSolutions-VPC7',
        reason: 'Flow logs switched off by stage config (local emulator has no AWS::EC2::FlowLog).',
      });
    }
    if (!egress && props.interfaceEndpoints !== false) {
      // Without NAT, the services still need these AWS APIs from the application subnets; the email
      // worker (in the VPC for Redis) sends through the SES API.
      for (const [name, service] of [
        ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
        ['Sqs', ec2.InterfaceVpcEndpointAwsService.SQS],
        ['Ses', ec2.InterfaceVpcEndpointAwsService.EMAIL],
      ] as const) {
        const endpoint = this.vpc.addInterfaceEndpoint(name, { service, subnets: this.appSubnets, privateDnsEnabled: true });
        const sg = endpoint.connections.securityGroups[0];
        Validations.of(sg).acknowledge({
          id: 'AwsSolutions-EC23',
          reason: 'Ingress on 443 from the VPC CIDR only (the rule cannot resolve the CIDR token).',
        });
      }
    }
  }
}
