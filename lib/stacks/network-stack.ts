import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ShopNetwork } from '../constructs/shop-network.js';

export interface NetworkStackProps extends StackProps {
  readonly maxAzs: number;
  readonly natGateways: number;
  /** @default true */
  readonly flowLogs?: boolean;
  /** @default true */
  readonly restrictDefaultSecurityGroup?: boolean;
  /** @default true */
  readonly interfaceEndpoints?: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The VPC, on its own: it outlives every other stack and changes least. */
export class NetworkStack extends Stack {
  readonly vpc: ec2.IVpc;
  readonly appSubnets: ec2.SubnetSelection;
  readonly dataSubnets: ec2.SubnetSelection;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const network = new ShopNetwork(this, 'Network', {
      maxAzs: props.maxAzs,
      natGateways: props.natGateways,
      flowLogs: props.flowLogs,
      restrictDefaultSecurityGroup: props.restrictDefaultSecurityGroup,
      interfaceEndpoints: props.interfaceEndpoints,
      flowLogRetention: props.logRetention,
      removalPolicy: props.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.vpc = network.vpc;
    this.appSubnets = network.appSubnets;
    this.dataSubnets = network.dataSubnets;
  }
}
