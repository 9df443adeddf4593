/**
 * Size of every Lambda bundle as `cdk synth` builds it (esbuild, minified, with source maps), per
 * stage: the function, its entry, and the bytes of its code, of the source map, and of the zip
 * CloudFormation uploads (deflate level 9, as `cdk deploy` packs assets).
 * Usage: npx tsx bench/bundles.ts [stage=dev]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const stage = process.argv[2] ?? 'dev';
const root = path.join(__dirname, '..');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bundles-'));

interface Resource {
  Type: string;
  Properties?: { Handler?: string };
  Metadata?: Record<string, string>;
}

const filesOf = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesOf(path.join(dir, e.name)) : [path.join(dir, e.name)]));
const bytes = (files: string[]) => files.reduce((n, f) => n + fs.statSync(f).size, 0);
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

try {
  // execFileSync throws with the CLI's output when synth fails.
  execFileSync(path.join(root, 'node_modules/.bin/cdk'), ['synth', '**', '-c', `stage=${stage}`, '-o', out, '--quiet'], {
    cwd: root,
    stdio: 'pipe',
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: '1' },
  });
  const rows: string[][] = [];
  for (const template of filesOf(out).filter((f) => f.endsWith('.template.json'))) {
    const resources = (JSON.parse(fs.readFileSync(template, 'utf8')) as { Resources: Record<string, Resource> }).Resources;
    for (const resource of Object.values(resources)) {
      const asset = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || !asset) continue;
      const dir = path.join(path.dirname(template), asset);
      if (!fs.statSync(dir).isDirectory()) continue;
      const files = filesOf(dir);
      const maps = files.filter((f) => f.endsWith('.map'));
      const code = files.filter((f) => !f.endsWith('.map'));
      const zipped = files.reduce((n, f) => n + zlib.deflateRawSync(fs.readFileSync(f), { level: 9 }).length, 0);
      const cdkPath = resource.Metadata?.['aws:cdk:path'] ?? '';
      rows.push([cdkPath.split('/').slice(1, -1).join('/'), kib(bytes(code)), kib(bytes(maps)), kib(zipped)]);
    }
  }
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  console.log(`Lambda bundles of stage ${stage} (${new Date().toISOString()})\n`);
  console.log('| function | code | source map | zipped (code + map) |\n|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}
