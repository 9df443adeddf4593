import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledgements the PCI DSS 3.2.1 and Serverless packs need on more than one construct, with
 * their reason written once. Each call still lands on the one resource (or the role owning the
 * policy) it is about; docs/static-gates.md lists every acknowledgement, generated from the stages.
 */

/** The role's grants live in its own `DefaultPolicy` (AWS::IAM::Policy), which is what aws-cdk-lib writes. */
export function acknowledgeGrantPolicy(role: IConstruct | undefined): void {
  if (!role) return;
  Validations.of(role).acknowledge({
    id: 'PCI.DSS.321-IAMNoInlinePolicy',
    reason:
      "The role's grants are least-privilege statements scoped to the resources it uses, written by aws-cdk-lib into a policy attached to this one role; it is reviewed in code and nothing else can attach it.",
  });
}

/** aws-cdk-lib's own handlers (custom-resource providers, BucketDeployment): run by CloudFormation, never by a request. */
export function acknowledgeLibraryFunction(fn: IConstruct, findings: readonly ('memory' | 'runtime' | 'vpc')[]): void {
  const reasons = {
    memory: {
      id: 'Serverless-LambdaDefaultMemorySize',
      reason: 'aws-cdk-lib handler: its memory is the library default, sized for its one call per deployment.',
    },
    runtime: { id: 'Serverless-LambdaLatestVersion', reason: 'aws-cdk-lib handler: the library pins and updates its runtime.' },
    vpc: {
      id: 'PCI.DSS.321-LambdaInsideVPC',
      reason:
        'aws-cdk-lib handler: calls only AWS APIs (or the in-VPC function it fronts) over TLS and reaches no cardholder or shop data.',
    },
  } as const;
  Validations.of(fn).acknowledge(
    {
      id: 'Serverless-LambdaDLQ',
      reason:
        'aws-cdk-lib handler, invoked synchronously by a CloudFormation custom resource: a failure fails and rolls back the deployment.',
    },
    { id: 'Serverless-LambdaTracing', reason: 'aws-cdk-lib handler: runs once per deployment; there is no request to trace.' },
    ...findings.map((f) => reasons[f]),
  );
}

/**
 * An access-log bucket: the end of the logging chain, written by a log delivery service. (PCI DSS
 * S3BucketLoggingEnabled passes a bucket that is another bucket's log target, so only the owner of
 * one that is not acknowledges that finding itself.)
 */
export function acknowledgeLogBucket(bucket: IConstruct, writer: string, encryption: string): void {
  Validations.of(bucket).acknowledge(
    {
      id: 'PCI.DSS.321-S3BucketVersioningEnabled',
      reason: 'Log objects are written once and expire by lifecycle; versions would only keep expired logs.',
    },
    {
      id: 'PCI.DSS.321-S3BucketReplicationEnabled',
      reason:
        "Copies to a log-archive account are the organisation's log-archive job (AWS Organizations), not this app's; see docs/aws-accounts.md.",
    },
    { id: 'PCI.DSS.321-S3DefaultEncryptionKMS', reason: `SSE-S3 (AES-256): ${writer} ${encryption}` },
  );
}

/** A schedule target with no retries and no DLQ: each run redoes whatever the previous one left. */
export function acknowledgeRetriedBySchedule(rule: IConstruct): void {
  Validations.of(rule).acknowledge({
    id: 'Serverless-EventBusDLQ',
    reason:
      'Fires every minute with retries off on purpose: each run processes everything still pending in its table, so the next run is the retry; a DLQ would only collect stale ticks.',
  });
}

/** A queue that is itself the dead-letter queue of something: the end of its chain. */
export function acknowledgeDeadLetterQueue(queue: IConstruct): void {
  Validations.of(queue).acknowledge({
    id: 'Serverless-SQSRedrivePolicy',
    reason: 'This is the dead-letter queue; its messages wait here for an operator (docs/runbook.md).',
  });
}
