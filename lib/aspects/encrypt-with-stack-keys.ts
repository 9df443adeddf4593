import { type IAspect, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { skipCheckov, unskipCheckov } from '../constructs/checkov.js';

export interface EncryptWithStackKeysProps {
  /** What happens to each key when its stack is deleted (data under a deleted key is lost). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Encrypts every CloudWatch log group, SNS topic and Secrets Manager secret of the stage under a
 * customer-managed KMS key of its stack (`EncryptionKey`, rotated yearly): PCI DSS 3.4 and 8.2.1 on
 * the stages that take payments (`compliance.customerManagedKeys`). An aspect, not a prop of each
 * construct, because it must reach the resources aws-cdk-lib creates for itself too (custom-resource
 * providers, BucketDeployment) and needs no grant plumbing:
 * - log groups: the key policy lets CloudWatch Logs use the key for this account's log groups only;
 * - topics: CloudWatch alarms and SES notifications publish under it (the AWS-managed SNS key admits
 *   neither, which is why those topics were unencrypted before);
 * - secrets: any principal of this account may use the key only through Secrets Manager, the policy
 *   of the AWS-managed `aws/secretsmanager` key, so who may read a secret is still decided by its
 *   IAM grants, while the key can now be audited, disabled or scheduled for deletion by us.
 */
export class EncryptWithStackKeys implements IAspect {
  private readonly keys = new Map<Stack, { key: kms.Key; granted: Set<string> }>();

  constructor(private readonly props: EncryptWithStackKeysProps) {}

  visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup && !node.kmsKeyId) {
      node.kmsKeyId = this.keyFor(node, 'logs').keyArn;
    } else if (node instanceof sns.CfnTopic && !node.kmsMasterKeyId) {
      node.kmsMasterKeyId = this.keyFor(node, 'topics').keyArn;
      // The skip said no key would do for these publishers; this one does (CKV_AWS_26 passes).
      unskipCheckov(node, 'CKV_AWS_26');
    } else if (node instanceof secretsmanager.CfnSecret && !node.kmsKeyId) {
      node.kmsKeyId = this.keyFor(node, 'secrets').keyArn;
    }
  }

  private keyFor(node: IConstruct, use: 'logs' | 'topics' | 'secrets'): kms.Key {
    const stack = Stack.of(node);
    let entry = this.keys.get(stack);
    if (!entry) {
      const key = new kms.Key(stack, 'EncryptionKey', {
        description: `${stack.stackName}: log groups, SNS topics and secrets of this stack`,
        enableKeyRotation: true,
        removalPolicy: this.props.removalPolicy,
      });
      entry = { key, granted: new Set() };
      this.keys.set(stack, entry);
    }
    if (!entry.granted.has(use)) {
      entry.granted.add(use);
      for (const statement of this.statements(stack, use)) entry.key.addToResourcePolicy(statement);
      if (use === 'secrets') {
        skipCheckov(entry.key, {
          id: 'CKV_AWS_33',
          comment:
            "The wildcard principal is conditioned on kms:ViaService (Secrets Manager of this region) and kms:CallerAccount (this account), as in the AWS-managed aws/secretsmanager key's policy; checkov ignores the conditions",
        });
      }
    }
    return entry.key;
  }

  private statements(stack: Stack, use: 'logs' | 'topics' | 'secrets'): iam.PolicyStatement[] {
    const { account, region, partition } = stack;
    switch (use) {
      case 'logs':
        return [
          new iam.PolicyStatement({
            principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
            actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
            resources: ['*'],
            conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` } },
          }),
        ];
      case 'topics':
        return [
          new iam.PolicyStatement({
            principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com'), new iam.ServicePrincipal('ses.amazonaws.com')],
            actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            resources: ['*'],
            conditions: { StringEquals: { 'aws:SourceAccount': account } },
          }),
        ];
      case 'secrets':
        return [
          new iam.PolicyStatement({
            principals: [new iam.AnyPrincipal()],
            actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
            resources: ['*'],
            conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com`, 'kms:CallerAccount': account } },
          }),
        ];
    }
  }
}
