import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';

export interface StorefrontDnsProps {
  /** Public hosted zone of the shop's domain, created by the app or imported by id (never looked up). */
  readonly zone: route53.IHostedZone;
  readonly distribution: cloudfront.IDistribution;
  /**
   * Names under the zone pointing at the distribution; `''` is the apex.
   * @default ['', 'www']
   */
  readonly recordNames?: readonly string[];
}

/** IPv4 and IPv6 alias records from the shop's names (apex and `www`) to CloudFront. */
export class StorefrontDns extends Construct {
  constructor(scope: Construct, id: string, props: StorefrontDnsProps) {
    super(scope, id);
    const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(props.distribution));
    for (const name of props.recordNames ?? ['', 'www']) {
      const recordName = name === '' ? undefined : name;
      const idPart = name === '' ? 'Apex' : name.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
      new route53.ARecord(this, `${idPart}A`, { zone: props.zone, recordName, target });
      new route53.AaaaRecord(this, `${idPart}Aaaa`, { zone: props.zone, recordName, target });
    }
  }
}
