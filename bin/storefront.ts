#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadStageConfig } from '../lib/config/index.js';
import { addNagPacks } from '../lib/nag-packs.js';
import { StorefrontStage } from '../lib/storefront-stage.js';

// The CDK's template validator (a WASM rule engine: 1.9 s of a 4.8 s `prod` synth) is a gate of
// `.ci/static-gates.sh` and of the tests, not of every synth: `CDK_VALIDATION=true` turns it on here.
// cdk-nag runs on every synth.
const app = new App({ builtinCloudFormationValidation: process.env.CDK_VALIDATION === 'true' });
// The only place that reads context: `-c stage=local|local-containers|dev|prod`.
const stageConfig = loadStageConfig(app.node.tryGetContext('stage') ?? 'dev');
// `npm run local` against another emulator (AWS_ENDPOINT_URL, scripts/local.sh): its URLs go in the outputs.
const endpoint = process.env.AWS_ENDPOINT_URL;
const config = stageConfig.emulator && endpoint ? { ...stageConfig, emulator: { endpoint: endpoint.replace(/\/$/, '') } } : stageConfig;
new StorefrontStage(app, `Storefront-${config.stage}`, { config, env: config.env });
// cdk-nag on every synth (AwsSolutions, plus PCI DSS and Serverless where the stage says so);
// findings fail synth unless acknowledged on their resource.
addNagPacks(app, config);
