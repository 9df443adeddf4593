import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, type NagPack, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import type { NagPackName, StageConfig } from './config/index.js';

const PACKS: Record<NagPackName, (app: App) => NagPack> = {
  'PCI.DSS.321': (app) => new PCIDSS321Checks(app),
  Serverless: (app) => new ServerlessChecks(app),
};

/**
 * Plugs cdk-nag into the app: AwsSolutions on every stage, plus the stage's compliance packs
 * (`compliance.nagPacks`). Findings fail synth unless acknowledged on their resource.
 */
export function addNagPacks(app: App, config: StageConfig): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), ...(config.compliance?.nagPacks ?? []).map((name) => PACKS[name](app)));
}
