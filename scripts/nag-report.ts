/**
 * docs/static-gates.md's cdk-nag tables, generated from the stages that run the compliance packs so
 * they cannot drift from the code: `npm run docs:nag` rewrites the block between the markers, and
 * test/infra/nag-report.test.ts fails when the doc holds another one. Each stage is synthesized as
 * `cdk synth` does it (cdk-nag plugged in, so an unacknowledged finding fails here too); the
 * acknowledgements are read from the construct tree, where `Validations.acknowledge` records them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { loadStageConfig, NAG_PACKS, STAGES } from '../lib/config/index.js';
import { addNagPacks } from '../lib/nag-packs.js';
import { StorefrontStage } from '../lib/storefront-stage.js';

const ROOT = path.join(__dirname, '..');
export const STATIC_GATES_DOC = path.join(ROOT, 'docs', 'static-gates.md');
const START = '<!-- nag:start (npm run docs:nag) -->';
const END = '<!-- nag:end -->';
const PACKS = ['AwsSolutions', ...NAG_PACKS] as const;
type Pack = (typeof PACKS)[number];

export interface Acknowledgement {
  readonly pack: Pack;
  readonly rule: string;
  /** Construct path below the stage, e.g. `Services/Api/Resource/DeploymentStage.api`. */
  readonly path: string;
  readonly reason: string;
}

/** The stages whose config turns on a compliance pack, in the order of lib/config. */
export function complianceStages(): string[] {
  return Object.keys(STAGES).filter((name) => (loadStageConfig(name).compliance?.nagPacks.length ?? 0) > 0);
}

/** Synthesizes the stage with its nag packs (throws on any unacknowledged finding) and lists its acknowledgements. */
export function acknowledgementsOf(stageName: string): Acknowledgement[] {
  const config = loadStageConfig(stageName);
  const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, unknown>;
  const app = new App({
    context: { ...(readJson('cdk.json').context as object), ...readJson('cdk.context.json'), 'aws:cdk:bundling-stacks': [] },
  });
  const stage = new StorefrontStage(app, `Storefront-${config.stage}`, { config, env: config.env });
  addNagPacks(app, config);
  app.synth();
  const running = new Set<Pack>(['AwsSolutions', ...(config.compliance?.nagPacks ?? [])]);
  const found: Acknowledgement[] = [];
  const visit = (c: IConstruct) => {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const rule = id.slice(id.indexOf('::') + 2);
        const pack = PACKS.find((p) => rule.startsWith(`${p}-`));
        // Acknowledgements of packs this stage does not run (and of the CDK's validator) are not findings here.
        if (pack && running.has(pack)) found.push({ pack, rule, path: c.node.path.slice(stage.node.path.length + 1), reason });
      }
    }
    for (const child of c.node.children) visit(child);
  };
  visit(stage);
  return found;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** Acknowledgements of every stage that runs a compliance pack, by stage. */
export function complianceAcknowledgements(): Record<string, Acknowledgement[]> {
  return Object.fromEntries(complianceStages().map((s) => [s, acknowledgementsOf(s)]));
}

/** The generated block: acknowledgements per pack and stage, then every PCI DSS and Serverless one with its reason. */
export function nagBlock(acks = complianceAcknowledgements()): string {
  const stages = Object.keys(acks);
  const lines = [START, '', `| stage | ${PACKS.map((p) => `${p} acknowledged`).join(' | ')} |`, `|---|${PACKS.map(() => '---|').join('')}`];
  for (const s of stages) lines.push(`| ${s} | ${PACKS.map((p) => acks[s].filter((a) => a.pack === p).length).join(' | ')} |`);
  for (const pack of NAG_PACKS) {
    const rows = new Map<string, { ack: Acknowledgement; stages: string[] }>();
    for (const s of stages) {
      for (const ack of acks[s].filter((a) => a.pack === pack)) {
        const key = `${ack.rule}\u0000${ack.path}\u0000${ack.reason}`;
        const row = rows.get(key) ?? { ack, stages: [] };
        row.stages.push(s);
        rows.set(key, row);
      }
    }
    lines.push('', `**${pack}** (${rows.size} acknowledgements):`, '', '| rule | resource | stages | reason |', '|---|---|---|---|');
    const sorted = [...rows.values()].sort((a, b) => a.ack.rule.localeCompare(b.ack.rule) || a.ack.path.localeCompare(b.ack.path));
    for (const { ack, stages: on } of sorted) {
      lines.push(`| ${ack.rule.slice(pack.length + 1)} | \`${cell(ack.path)}\` | ${on.join(', ')} | ${cell(ack.reason)} |`);
    }
  }
  lines.push('', END);
  return lines.join('\n');
}

export function docNagBlock(doc: string): string | undefined {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  return start < 0 || end < 0 ? undefined : doc.slice(start, end + END.length);
}

if (require.main === module) {
  const doc = fs.readFileSync(STATIC_GATES_DOC, 'utf8');
  const current = docNagBlock(doc);
  if (!current) throw new Error(`docs/static-gates.md has no ${START} … ${END} block to replace`);
  const next = nagBlock();
  fs.writeFileSync(STATIC_GATES_DOC, doc.replace(current, next));
  console.log(current === next ? 'docs/static-gates.md nag tables already up to date' : 'docs/static-gates.md nag tables updated');
}
