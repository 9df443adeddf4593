import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { useLocalEnvironment } from '../scripts/local-env.js';
import { startNode } from './support/server.js';

/**
 * `npm run bench:profile`: a CPU profile (`node --cpu-prof`) of the catalog's container entry under
 * the cached product read (autocannon, 16 connections), run from source through tsx so frames keep
 * their names and files, and a summary: the top functions by self time and the top packages (or
 * own files) by self time, as shares of the sampled time.
 */
const DURATION_S = Number(process.env.DURATION ?? 6);
const PORT = Number(process.env.BENCH_PORT ?? 8192);
const TOP = Number(process.env.TOP ?? 5);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const root = path.join(__dirname, '..');
function where(url: string): string {
  const file = url.replace(/^file:\/\//, '');
  const pkg = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  if (file.startsWith(root)) return path.relative(root, file);
  return file === '' ? '(native / V8)' : file.startsWith('node:') ? file : `node:${file}`;
}

/** Samples of the idle loop are not a cost. */
const IDLE = new Set(['(idle)', '(program)']);
/** Loading and compiling modules is start-up, not the request path. */
const STARTUP = process.env.KEEP_STARTUP ? /(?!)/ : /^node:internal\/modules\//;

export function summarize(profile: Profile): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id: number) => {
    const frames: ProfileNode[] = [];
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) frames.push(byId.get(n)!);
    return frames;
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if (IDLE.has(byId.get(id)!.callFrame.functionName)) return;
    if (stack(id).some((f) => STARTUP.test(f.callFrame.url.replace(/^file:\/\//, '')))) return;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  // Inclusive: a sample counts once for every package or file on its stack.
  const inclusive = new Map<string, number>();
  const inclusiveFunctions = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    const seenFunctions = new Set<string>();
    for (const { callFrame } of stack(id)) {
      if (callFrame.url) seen.add(where(callFrame.url));
      if (callFrame.url)
        seenFunctions.add(`${callFrame.functionName || '(anonymous)'} (${where(callFrame.url)}:${callFrame.lineNumber + 1})`);
    }
    for (const place of seen) inclusive.set(place, (inclusive.get(place) ?? 0) + us);
    for (const f of seenFunctions) inclusiveFunctions.set(f, (inclusiveFunctions.get(f) ?? 0) + us);
  }
  if (process.env.INCLUSIVE_FUNCTIONS) {
    for (const [f, us] of [...inclusiveFunctions].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.INCLUSIVE_FUNCTIONS))) {
      console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${f}`);
    }
  }
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const place = where(url);
    const name = `${functionName || '(anonymous)'} (${place}${url ? `:${lineNumber + 1}` : ''})`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    places.set(place, (places.get(place) ?? 0) + us);
  }
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([k, us], i) => `| ${i + 1} | ${k.replace(/\|/g, '\\|')} | ${((100 * us) / total).toFixed(1)} % |`);
  return [
    `Sampled ${(total / 1e6).toFixed(1)} s of busy CPU (idle and module-loading samples left out).`,
    '',
    '| # | function (self time) | share |',
    '|---|---|---|',
    ...top(functions),
    '',
    '| # | package or file (self time) | share |',
    '|---|---|---|',
    ...top(places),
    '',
    '| # | package or file (inclusive: on the stack) | share |',
    '|---|---|---|',
    ...top(inclusive),
  ].join('\n');
}

async function main(): Promise<void> {
  await useLocalEnvironment();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpu-prof-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    POWERTOOLS_SERVICE_NAME: 'catalog',
    POWERTOOLS_METRICS_DISABLED: 'false',
  };
  delete env.POWERTOOLS_LOG_LEVEL;
  const server = await startNode(path.join(root, 'lambda/catalog/server.ts'), PORT, env, {
    flags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx'],
  });
  try {
    const { items } = (await (await fetch(`${server.url}/products?limit=100`)).json()) as { items: Array<{ id: string }> };
    const paths = items.map((p) => `/products/${p.id}`);
    for (const p of paths) await (await fetch(`${server.url}${p}`)).arrayBuffer();
    let i = 0;
    const result = await autocannon({
      url: server.url,
      connections: 16,
      duration: DURATION_S,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
    });
    console.log(`GET /products/{id}: ${result.requests.average.toFixed(0)} req/s under the profiler, p99 ${result.latency.p99} ms`);
  } finally {
    await server.stop();
  }
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  console.log(`profile: ${path.join(dir, file)}\n`);
  console.log(summarize(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Profile));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
