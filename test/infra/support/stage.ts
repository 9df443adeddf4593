import { Stack } from 'aws-cdk-lib';
import type { StorefrontStage } from '../../../lib/storefront-stage.js';

// One builder for tests and the docs scripts (scripts/cost.ts synthesizes the stages the same way).
export { buildStage } from '../../../scripts/synth-stage.js';

export function stacksOf(stage: StorefrontStage): Stack[] {
  return stage.node.children.filter((c): c is Stack => Stack.isStack(c));
}

/** Replaces what changes on every reinstall or rebuild (asset hashes) so snapshots only move with the app. */
export function normaliseTemplate(template: unknown): unknown {
  const json = JSON.stringify(template)
    .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset-hash>$1')
    .replace(/"S3Key":"[^"]+"/g, '"S3Key":"<asset>"')
    // A Lambda version's logical ID ends in a hash of the function's properties, code included.
    .replace(/(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}/g, '$1<code-hash>');
  return JSON.parse(json);
}

/**
 * The producing stack and output name of a cross-stack reference, whichever mode the stage uses
 * (ADR 0001): strong (`Fn::ImportValue` of `<stack>:<output>`) or weak (`Fn::GetStackOutput`).
 */
export function crossStackReference(value: unknown): { stackName: string; outputName: string } | undefined {
  const v = value as { 'Fn::ImportValue'?: unknown; 'Fn::GetStackOutput'?: { StackName: string; OutputName: string } };
  if (typeof v?.['Fn::ImportValue'] === 'string') {
    const [stackName, outputName] = v['Fn::ImportValue'].split(':');
    return { stackName, outputName };
  }
  const weak = v?.['Fn::GetStackOutput'];
  return weak ? { stackName: weak.StackName, outputName: weak.OutputName } : undefined;
}
