import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** One checkov check skipped on one resource, with the reason (checkov shows it as the suppress comment). */
export interface CheckovSkip {
  /** Check id, e.g. `CKV_AWS_59`. */
  readonly id: string;
  /** Why the finding does not apply to this resource. */
  readonly comment: string;
}

/**
 * Skips checkov checks on the CloudFormation resource of `scope` (itself, or its default child),
 * written as the resource's `Metadata.checkov.skip`, which checkov reads from the template. The
 * counterpart of `Validations.of(scope).acknowledge()` for the static gates (`.ci/static-gates.sh`);
 * checks skipped for every resource of a type are in `.checkov.yaml` instead.
 */
export function skipCheckov(scope: IConstruct, ...skips: CheckovSkip[]): void {
  const resource = CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(`skipCheckov: ${scope.node.path} is not a CloudFormation resource and has no default child that is one`);
  }
  const existing = (resource.getMetadata('checkov') ?? {}) as { skip?: CheckovSkip[] };
  const skip = [...(existing.skip ?? [])];
  for (const s of skips) if (!skip.some((x) => x.id === s.id)) skip.push({ id: s.id, comment: s.comment });
  resource.addMetadata('checkov', { ...existing, skip });
}

/** Removes a skip that no longer applies, e.g. once an aspect has fixed what the check looks for. */
export function unskipCheckov(resource: CfnResource, id: string): void {
  const existing = resource.getMetadata('checkov') as { skip?: CheckovSkip[] } | undefined;
  if (!existing?.skip) return;
  const skip = existing.skip.filter((s) => s.id !== id);
  resource.addMetadata('checkov', { ...existing, skip });
}
