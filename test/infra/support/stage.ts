import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { loadStageConfig, type StageConfig } from '../../../lib/config/index.js';
import { addNagPacks } from '../../../lib/nag-packs.js';
import { StorefrontStage } from '../../../lib/storefront-stage.js';

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', file), 'utf8'));
const cdkJson = readJson('cdk.json') as { context: Record<string, unknown> };
const cdkContext = readJson('cdk.context.json') as Record<string, unknown>;

/**
 * The app exactly as `bin/storefront.ts` builds it (feature flags from cdk.json, AZs from
 * cdk.context.json, cdk-nag plugged in), without Lambda bundling: templates and findings do not
 * depend on the bundles, and skipping esbuild keeps the suite fast.
 */
export function buildStage(stage: string | StageConfig): { app: App; stage: StorefrontStage } {
  const config = typeof stage === 'string' ? loadStageConfig(stage) : stage;
  const app = new App({
    context: { ...cdkJson.context, ...cdkContext, 'aws:cdk:bundling-stacks': [] },
  });
  const storefront = new StorefrontStage(app, `Storefront-${config.stage}`, { config, env: config.env });
  addNagPacks(app, config);
  return { app, stage: storefront };
}

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
