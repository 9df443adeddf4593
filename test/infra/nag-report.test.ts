import * as fs from 'node:fs';
import { loadStageConfig } from '../../lib/config/index.js';
import { complianceAcknowledgements, complianceStages, docNagBlock, nagBlock, STATIC_GATES_DOC } from '../../scripts/nag-report.js';

// Synthesizing each stage with its packs throws on any unacknowledged finding, as `cdk synth` does.
const acks = complianceAcknowledgements();

describe('docs/static-gates.md cdk-nag tables', () => {
  test('the stages that take payments run the PCI DSS and Serverless packs, and only they', () => {
    expect(complianceStages()).toEqual(['staging', 'prod']);
    for (const name of ['local', 'local-containers', 'dev']) expect(loadStageConfig(name).compliance).toBeUndefined();
    for (const name of complianceStages()) expect(loadStageConfig(name).compliance?.nagPacks).toEqual(['PCI.DSS.321', 'Serverless']);
  });

  test('are the ones generated from the stages (run `npm run docs:nag` after a change)', () => {
    expect(docNagBlock(fs.readFileSync(STATIC_GATES_DOC, 'utf8'))).toBe(nagBlock(acks));
  });

  test('every acknowledgement of the compliance packs says why, at some length', () => {
    for (const ack of Object.values(acks).flat()) if (ack.pack !== 'AwsSolutions') expect(ack.reason.length).toBeGreaterThan(40);
  });
});
