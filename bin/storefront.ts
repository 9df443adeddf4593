#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadStageConfig } from '../lib/config/index.js';
import { addNagPacks } from '../lib/nag-packs.js';
import { StorefrontStage } from '../lib/storefront-stage.js';

// The only place that reads context: `-c stage=local|local-containers|dev|prod`.
const app = new App();
const stageConfig = loadStageConfig(app.node.tryGetContext('stage') ?? 'dev');
// `npm run local` against another emulator (AWS_ENDPOINT_URL, scripts/local.sh): its URLs go in the outputs.
const endpoint = process.env.AWS_ENDPOINT_URL;
const config = stageConfig.emulator && endpoint ? { ...stageConfig, emulator: { endpoint: endpoint.replace(/\/$/, '') } } : stageConfig;
new StorefrontStage(app, `Storefront-${config.stage}`, { config, env: config.env });
// cdk-nag on every synth (AwsSolutions, plus PCI DSS and Serverless where the stage says so);
// findings fail synth unless acknowledged on their resource.
addNagPacks(app, config);
