import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadStageConfig, type StageConfig } from '../lib/config/index.js';
import { addNagPacks } from '../lib/nag-packs.js';
import { StorefrontStage } from '../lib/storefront-stage.js';

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(__dirname, '..', file), 'utf8'));

/**
 * The app exactly as `bin/storefront.ts` builds it (feature flags from cdk.json, AZs from
 * cdk.context.json, cdk-nag plugged in), without Lambda bundling: templates and findings do not
 * depend on the bundles, and skipping esbuild keeps tests and the docs scripts fast.
 */
export function buildStage(stage: string | StageConfig): { app: App; stage: StorefrontStage } {
  const config = typeof stage === 'string' ? loadStageConfig(stage) : stage;
  const cdkJson = readJson('cdk.json') as { context: Record<string, unknown> };
  const cdkContext = readJson('cdk.context.json') as Record<string, unknown>;
  const app = new App({
    context: { ...cdkJson.context, ...cdkContext, 'aws:cdk:bundling-stacks': [] },
  });
  const storefront = new StorefrontStage(app, `Storefront-${config.stage}`, { config, env: config.env });
  addNagPacks(app, config);
  return { app, stage: storefront };
}
