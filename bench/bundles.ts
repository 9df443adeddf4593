/**
 * `npm run bench:bundles -- [stage=prod]`: every Lambda bundle as `cdk synth` ships it (esbuild,
 * minified, with source maps): the bytes of its code, of its source map and of the zip CloudFormation
 * uploads (deflate level 9, as `cdk deploy` packs assets); for each service bundle, what each
 * dependency weighs in it (esbuild's metafile) and its module load plus app construction against a
 * bundle holding only the AWS SDK clients the function uses, measured in fresh processes that
 * alternate the two. Exits non-zero when a service bundle is over 400 KiB or its load costs more than
 * twice the SDK-only one (stages that ship the SDK in their bundles, `local`, are listed only).
 */
import { execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { buildSync } from 'esbuild';
import { loadStageConfig } from '../lib/config/index.js';
import { buildOptions, bundle, lambdaBundle, lambdaSpec } from '../lib/constructs/bundling.js';
import { useLocalEnvironment } from '../scripts/local-env.js';
import { BENCH_NODE, benchNodeVersion, machine, median, titleForNode, writeSection } from './support/report.js';

const stage = process.argv[2] ?? 'prod';
// Per-round ratios spread by ±0.3 on a shared 2-core VM: nine rounds keep the median steadier.
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const MAX_KIB = 400;
const MAX_LOAD_RATIO = 2;
const root = path.join(__dirname, '..');

interface Resource {
  Type: string;
  Metadata?: Record<string, string>;
}

const filesOf = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesOf(path.join(dir, e.name)) : [path.join(dir, e.name)]));
const bytes = (files: string[]) => files.reduce((n, f) => n + fs.statSync(f).size, 0);
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Every file under lambda/ that exports a Lambda `handler`: the candidates for a function's entry. */
function handlerEntries(): string[] {
  return fs
    .readdirSync(path.join(root, 'lambda'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('shared'))
    .map((f) => path.join('lambda', f))
    .filter((f) => /export (const|async function) handler\b/.test(fs.readFileSync(path.join(root, f), 'utf8')));
}

/** Output bytes per package (or `own code`), from esbuild's metafile, and the external SDK packages used. */
function weigh(entry: string, bundleAwsSdk: boolean): { weights: Array<[string, number]>; sdk: string[] } {
  const result = buildSync(buildOptions(lambdaSpec(entry, { bundleAwsSdk })));
  const output = Object.values(result.metafile!.outputs).find((o) => o.entryPoint !== undefined)!;
  const weights = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? 'own code';
    weights.set(pkg, (weights.get(pkg) ?? 0) + bytesInOutput);
  }
  const sdk = new Set<string>();
  for (const input of Object.values(result.metafile!.inputs)) {
    for (const i of input.imports) if (i.external && i.path.startsWith('@aws-sdk/')) sdk.add(i.path.split('/').slice(0, 2).join('/'));
  }
  return { weights: [...weights].sort((a, b) => b[1] - a[1]), sdk: [...sdk].sort() };
}

/** A bundle that loads the given SDK packages and constructs each of their clients, nothing else. */
function sdkOnlyBundle(packages: readonly string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-only-'));
  const entry = path.join(dir, 'handler.ts');
  fs.writeFileSync(
    entry,
    [
      ...packages.map((p, i) => `import * as sdk${i} from '${p}';`),
      `for (const m of [${packages.map((_, i) => `sdk${i}`).join(', ')}] as Array<Record<string, unknown>>) {`,
      '  for (const value of Object.values(m)) {',
      "    if (typeof value === 'function' && /Client$/.test(value.name) && 'send' in value.prototype) {",
      '      try {',
      '        new (value as new (config: object) => unknown)({});',
      '      } catch {',
      '        // a client that wraps another (DynamoDBDocumentClient) needs its argument',
      '      }',
      '    }',
      '  }',
      '}',
      'export const handler = async () => ({});',
      '',
    ].join('\n'),
  );
  return path.join(bundle(lambdaSpec(entry)), 'index.js');
}

interface Probe {
  loadMs: number;
  cpuMs: number;
}

const probeFile = () => path.join(lambdaBundle('bench/support/load-probe.ts'), 'index.js');

/** One fresh `node` loading `file` (bench/support/load-probe.ts), as the Lambda runtime would. */
function probe(file: string, env: NodeJS.ProcessEnv): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const child = spawn(BENCH_NODE, ['--enable-source-maps', probeFile(), file], {
      env,
      cwd: path.dirname(file),
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdio[3]!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) =>
      code === 0 && out ? resolve(JSON.parse(out) as Probe) : reject(new Error(`${file}: exit ${code}\n${err}`)),
    );
  });
}

async function main(): Promise<void> {
  const config = loadStageConfig(stage);
  const bundleAwsSdk = config.bundleAwsSdk ?? false;
  const started = machine();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bundles-'));
  let failed = false;
  try {
    // execFileSync throws with the CLI's output when synth fails.
    execFileSync(path.join(root, 'node_modules/.bin/cdk'), ['synth', '**', '-c', `stage=${stage}`, '-o', out, '--quiet'], {
      cwd: root,
      stdio: 'pipe',
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: '1' },
    });
    const entryByCode = new Map(handlerEntries().map((e) => [sha(path.join(lambdaBundle(e, { bundleAwsSdk }), 'index.js')), e]));
    const rows: string[][] = [];
    const services: Array<{ name: string; entry: string; code: number }> = [];
    for (const template of filesOf(out).filter((f) => f.endsWith('.template.json'))) {
      const resources = (JSON.parse(fs.readFileSync(template, 'utf8')) as { Resources: Record<string, Resource> }).Resources;
      for (const resource of Object.values(resources)) {
        const asset = resource.Metadata?.['aws:asset:path'];
        if (resource.Type !== 'AWS::Lambda::Function' || !asset) continue;
        const dir = path.join(path.dirname(template), asset);
        if (!fs.statSync(dir).isDirectory()) continue;
        const files = filesOf(dir);
        const maps = files.filter((f) => f.endsWith('.map'));
        // Code is what Node compiles at load; data shipped beside it (the RDS CAs, read on the first TLS
        // connection; the migrations' SQL) is listed apart.
        const code = files.filter((f) => /\.(m?js|py)$/.test(f));
        const data = files.filter((f) => !f.endsWith('.map') && !code.includes(f));
        const zipped = files.reduce((n, f) => n + zlib.deflateRawSync(fs.readFileSync(f), { level: 9 }).length, 0);
        const name = (resource.Metadata?.['aws:cdk:path'] ?? '').split('/').slice(1, -1).join('/');
        const index = path.join(dir, 'index.js');
        const entry = fs.existsSync(index) ? entryByCode.get(sha(index)) : undefined;
        if (entry) services.push({ name, entry, code: bytes(code) });
        const over = entry && !bundleAwsSdk && bytes(code) > MAX_KIB * 1024;
        failed ||= Boolean(over);
        rows.push([
          name,
          entry ? `\`${entry}\`` : "CDK's own",
          `${kib(bytes(code))}${over ? ' **over**' : ''}`,
          kib(bytes(maps)),
          data.length ? `${kib(bytes(data))} (${[...new Set(data.map((f) => path.relative(dir, f).split(path.sep)[0]))].join(', ')})` : '',
          kib(zipped),
        ]);
      }
    }
    rows.sort((a, b) => a[0].localeCompare(b[0]));
    const lines = [
      `Measured ${started} by \`npm run bench:bundles -- ${stage}\` (bench/bundles.ts).`,
      '',
      `### Sizes, stage \`${stage}\`${bundleAwsSdk ? ' (AWS SDK bundled: listed only)' : ` (target: service code at most ${MAX_KIB} KiB)`}`,
      '',
      '| function | entry | code | source map | data beside it | zipped (all files) |',
      '|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
    ];

    // One bundle per entry: several functions may share one (none do today).
    const entries = [...new Map(services.map((s) => [s.entry, s])).values()];
    lines.push('### What each dependency weighs (minified bytes in the bundle, esbuild metafile)', '');
    const weighed = entries.map((s) => ({ ...s, ...weigh(s.entry, bundleAwsSdk) }));
    for (const w of weighed) {
      lines.push(`- \`${w.entry}\` (${kib(w.code)}): ${w.weights.map(([p, n]) => `${p} ${kib(n)}`).join(', ')}`);
    }
    lines.push('');

    if (!bundleAwsSdk) {
      await useLocalEnvironment();
      const env: NodeJS.ProcessEnv = { ...process.env, POWERTOOLS_SERVICE_NAME: 'bench', NODE_PATH: path.join(root, 'node_modules') };
      lines.push(
        '### Module load plus app construction, against an SDK-only bundle',
        '',
        `CPU of a fresh \`node --enable-source-maps\` (Node ${benchNodeVersion()}) from just before \`require(bundle)\` until 1.5 s later (top-level code`,
        'and the init it starts: environment checks, clients, app, secret fetch and connections to the local services;',
        `time spent waiting on I/O is not CPU), median of ${ROUNDS} alternating runs. The SDK-only bundle imports the`,
        '`@aws-sdk/*` packages the function imports and constructs their clients. `require` is the wall time of the',
        `require() call alone. Target: CPU ratio at most ${MAX_LOAD_RATIO}×.`,
        '',
        '| entry | SDK packages | bundle CPU | SDK-only CPU | ratio (min–max) | bundle require | SDK-only require |',
        '|---|---|---|---|---|---|---|',
      );
      for (const w of weighed) {
        const sdkFile = sdkOnlyBundle(w.sdk);
        const file = path.join(lambdaBundle(w.entry, { bundleAwsSdk }), 'index.js');
        const a: Probe[] = [];
        const b: Probe[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          a.push(await probe(file, env));
          b.push(await probe(sdkFile, env));
        }
        const ratios = a.map((x, i) => x.cpuMs / b[i].cpuMs);
        const ok = median(a.map((x) => x.cpuMs)) / median(b.map((x) => x.cpuMs)) <= MAX_LOAD_RATIO;
        failed ||= !ok;
        const ms = (xs: Probe[], k: keyof Probe) => `${median(xs.map((x) => x[k])).toFixed(1)} ms`;
        const ratio = median(a.map((x) => x.cpuMs)) / median(b.map((x) => x.cpuMs));
        lines.push(
          `| \`${w.entry}\` | ${w.sdk.map((p) => p.replace('@aws-sdk/', '')).join(', ') || 'none'} | ${ms(a, 'cpuMs')} | ${ms(b, 'cpuMs')} | **${ratio.toFixed(2)}×**${ok ? '' : ' **MISSED**'} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ${ms(a, 'loadMs')} | ${ms(b, 'loadMs')} |`,
        );
        console.log(`${w.entry}: ${ratio.toFixed(2)}x`);
      }
      lines.push('');
    }
    const text = lines.join('\n');
    console.log(text);
    writeSection(titleForNode(`Lambda bundles (${stage})`), text);
    if (failed) {
      console.error('a bundle target was MISSED');
      process.exitCode = 1;
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
