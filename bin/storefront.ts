#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStageConfig, type StageConfig } from '../lib/config/index.js';
import { StorefrontStage } from '../lib/storefront-stage.js';

// The only place that reads context and the environment: `-c stage=local|local-containers|dev|prod`.
const app = new App();
const config = atEmulatorEndpoint(loadStageConfig(app.node.tryGetContext('stage') ?? 'dev'), process.env.AWS_ENDPOINT_URL);
new StorefrontStage(app, `Storefront-${config.stage}`, { config, env: config.env });
// cdk-nag AwsSolutions on every synth; findings fail synth unless acknowledged on their resource.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

/** An emulator's load-balancer data plane lives on the emulator the CLI deploys to (e.g. a second one on :4567). */
function atEmulatorEndpoint(stage: StageConfig, endpoint: string | undefined): StageConfig {
  const access = stage.containers?.loadBalancerAccess;
  if (!endpoint || access?.kind !== 'emulator') return stage;
  const baseUrl = new URL('/_alb', endpoint).toString();
  return { ...stage, containers: { ...stage.containers!, loadBalancerAccess: { kind: 'emulator', baseUrl } } };
}
