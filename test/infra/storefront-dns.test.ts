import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { StorefrontDns } from '../../lib/constructs/storefront-dns.js';

describe('StorefrontDns', () => {
  const stack = new Stack(new App(), 'Dns', { env: { account: '111111111111', region: 'eu-west-1' } });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z123', zoneName: 'shop.example.com' });
  const distribution = cloudfront.Distribution.fromDistributionAttributes(stack, 'Cdn', {
    distributionId: 'E123',
    domainName: 'd111.cloudfront.net',
  });
  new StorefrontDns(stack, 'Dns', { zone, distribution });
  const template = Template.fromStack(stack);

  test('apex and www get A and AAAA aliases to the distribution in the imported zone', () => {
    template.resourceCountIs('AWS::Route53::RecordSet', 4);
    for (const type of ['A', 'AAAA']) {
      for (const name of ['shop.example.com.', 'www.shop.example.com.']) {
        template.hasResourceProperties('AWS::Route53::RecordSet', {
          Name: name,
          Type: type,
          HostedZoneId: 'Z123',
          AliasTarget: { DNSName: 'd111.cloudfront.net', HostedZoneId: Match.anyValue() },
        });
      }
    }
  });

  test('no hosted zone is created or looked up', () => {
    template.resourceCountIs('AWS::Route53::HostedZone', 0);
  });
});
