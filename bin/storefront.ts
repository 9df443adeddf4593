#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStageConfig } from '../lib/config/index.js';
import { StorefrontStage } from '../lib/storefront-stage.js';

// The only place that reads context: `-c stage=local|local-containers|dev|prod`.
const app = new App();
const config = loadStageConfig(app.node.tryGetContext('stage') ?? 'dev');
new StorefrontStage(app, `Storefront-${config.stage}`, { config, env: config.env });
// cdk-nag AwsSolutions on every synth; findings fail synth unless acknowledged on their resource.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
