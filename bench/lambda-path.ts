import { fork } from 'node:child_process';
import * as path from 'node:path';
import { lambdaBundle } from '../lib/constructs/bundling.js';
import { useLocalEnvironment } from '../scripts/local-env.js';
import { proxyEvent } from '../test/support/http.js';
import { BENCH_NODE, benchNodeVersion, machine, median, recordFigure, titleForNode, writeSection } from './support/report.js';

/**
 * `npm run bench:lambda-path`: the catalog's Lambda handler (the esbuild bundle `cdk synth` ships,
 * loaded as the runtime loads it, `--enable-source-maps`, default log level, EMF metrics published
 * after every invocation as the handler does) invoked in process with API Gateway proxy events on a
 * warm cache, against a bare handler doing the same Redis reads (bench/support/floor-handler.ts).
 * Invocations run one after another, as Lambda sends them to one instance, in blocks that alternate
 * app and floor. A child process runs them with its stdout (the logs) discarded. Exits non-zero when
 * the per-invocation ratio is above 2.
 */
// Many short blocks rather than a few long ones: this VM's speed drifts by ±25 % over seconds, and
// a median over 25 adjacent app/floor pairs is steadier than one over 3.
const N = Number(process.env.INVOCATIONS ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 25);
const MAX_RATIO = 2;

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
interface Timing {
  readonly scenario: string;
  readonly app: number[];
  readonly floor: number[];
  /** CPU µs per invocation of the same blocks: what each side costs, whatever the neighbours' load. */
  readonly appCpu: number[];
  readonly floorCpu: number[];
}

const context = { awsRequestId: 'bench', functionName: 'catalog', functionVersion: '$LATEST', getRemainingTimeInMillis: () => 10_000 };

async function child(appFile: string, floorFile: string): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded as the Lambda runtime loads a CommonJS bundle */
  const app = (require(appFile) as { handler: Handler }).handler;
  const floor = (require(floorFile) as { handler: Handler }).handler;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const list = (await app(proxyEvent('GET', '/products', { query: { limit: '100' } }), context)).body;
  const ids = (JSON.parse(list) as { items: Array<{ id: string }> }).items.map((p) => p.id);
  const scenarios = [
    {
      scenario: 'GET /products/{id}',
      events: ids.map((id) => ({ ...proxyEvent('GET', `/products/${id}`), resource: '/products/{id}', pathParameters: { id } })),
    },
    {
      scenario: 'GET /products?limit=20',
      events: [{ ...proxyEvent('GET', '/products', { query: { limit: '20' } }), resource: '/products' }],
    },
  ];
  const perInvocation = async (handler: Handler, events: unknown[]) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      const res = await handler(events[i % events.length], context);
      if (res.statusCode !== 200) throw new Error(`answered ${res.statusCode}: ${res.body}`);
    }
    const used = process.cpuUsage(cpu);
    return { wall: ((performance.now() - started) * 1000) / N, cpu: (used.user + used.system) / N };
  };
  const timings: Timing[] = [];
  for (const { scenario, events } of scenarios) {
    // Warm: fills the cache and lets V8 optimise both sides before anything is timed.
    for (const e of events) await app(e, context);
    for (const e of events) {
      const [a, b] = await Promise.all([app(e, context), floor(e, context)]);
      if (JSON.stringify(JSON.parse(a.body)) !== JSON.stringify(JSON.parse(b.body)))
        throw new Error(`${scenario}: the floor answers different JSON`);
    }
    await perInvocation(app, events);
    await perInvocation(floor, events);
    const timing: Timing = { scenario, app: [], floor: [], appCpu: [], floorCpu: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const a = await perInvocation(app, events);
      const f = await perInvocation(floor, events);
      timing.app.push(a.wall);
      timing.floor.push(f.wall);
      timing.appCpu.push(a.cpu);
      timing.floorCpu.push(f.cpu);
    }
    timings.push(timing);
  }
  process.send!(timings, () => process.exit(0));
}

async function main(): Promise<void> {
  await useLocalEnvironment();
  const started = machine();
  // APP_BUNDLE measures another build against the same floor (e.g. an earlier commit's bundle).
  const appFile = process.env.APP_BUNDLE ?? path.join(lambdaBundle('lambda/catalog/handler.ts'), 'index.js');
  const floorFile = path.join(lambdaBundle('bench/support/floor-handler.ts'), 'index.js');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POWERTOOLS_SERVICE_NAME: 'catalog',
    POWERTOOLS_METRICS_DISABLED: process.env.BENCH_METRICS_DISABLED ?? 'false',
    // The floor never refills the cache: keep what the app cached for the whole run.
    CACHE_TTL_SECONDS: '3600',
    // The Lambda runtime's SDK is on NODE_PATH; here, the repository's.
    NODE_PATH: path.join(__dirname, '..', 'node_modules'),
  };
  // Production's default level (INFO) unless BENCH_LOG_LEVEL asks otherwise, to see what logging costs.
  env.POWERTOOLS_LOG_LEVEL = process.env.BENCH_LOG_LEVEL;
  const worker = fork(__filename, ['child', appFile, floorFile], {
    env,
    execPath: BENCH_NODE,
    execArgv: [
      '--import',
      'tsx',
      '--enable-source-maps',
      ...(process.env.CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF_DIR}`] : []),
    ],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const timings = await new Promise<Timing[]>((resolve, reject) => {
    worker.once('message', (m) => resolve(m as Timing[]));
    worker.once('exit', (code) => reject(new Error(`the benchmark process exited with ${code}`)));
  });
  let failed = false;
  const lines: string[] = [];
  for (const { scenario, app, floor, appCpu, floorCpu } of timings) {
    const ratios = app.map((a, i) => a / floor[i]);
    const cpuRatios = appCpu.map((a, i) => a / floorCpu[i]);
    const ok = median(ratios) <= MAX_RATIO;
    recordFigure(`catalog.lambda${scenario.includes('{id}') ? 'ProductRead' : 'PageRead'}Micros`, {
      value: Math.round(median(app)),
      unit: 'µs/invocation',
      what: `${scenario} through the catalog's Lambda handler, warm cache, in process, on this machine, Node ${benchNodeVersion()}`,
      by: 'npm run bench:lambda-path',
    });
    failed ||= !ok;
    lines.push(
      `### \`${scenario}\``,
      '',
      '| round | app µs / invocation | floor µs / invocation | ratio | app CPU µs | floor CPU µs | CPU ratio |',
      '|---|---|---|---|---|---|---|',
      ...app.map(
        (a, i) =>
          `| ${i + 1} | ${a.toFixed(0)} | ${floor[i].toFixed(0)} | ${ratios[i].toFixed(2)}× | ${appCpu[i].toFixed(0)} | ${floorCpu[i].toFixed(0)} | ${cpuRatios[i].toFixed(2)}× |`,
      ),
      `| **median (min–max)** | ${median(app).toFixed(0)} | ${median(floor).toFixed(0)} | **${median(ratios).toFixed(2)}×** (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ${median(appCpu).toFixed(0)} | ${median(floorCpu).toFixed(0)} | ${median(cpuRatios).toFixed(2)}× (${Math.min(...cpuRatios).toFixed(2)}–${Math.max(...cpuRatios).toFixed(2)}) |`,
      '',
      `Target: at most ${MAX_RATIO}× per-invocation time (median over rounds): **${ok ? 'met' : 'MISSED'}**. The CPU columns (the`,
      "process's user and system time over the same blocks) are shown, not judged: they hold when neighbours load the machine.",
      '',
    );
  }
  const text = [
    `Measured ${started} by \`npm run bench:lambda-path\` (bench/lambda-path.ts): ${N} invocations per block, one`,
    `after another, ${ROUNDS} rounds alternating app and floor, both on Node ${benchNodeVersion()}. **app**: \`lambda/catalog/handler.ts\` as \`cdk synth\` bundles`,
    'it (`node --enable-source-maps`), API Gateway proxy events through `lambda/shared/lambda-http.ts`, INFO access log line per',
    'request, EMF metrics published after each invocation, warm cache. **floor**: `bench/support/floor-handler.ts`, a bare',
    'handler doing the same Redis GETs and returning the cached JSON. Both in one process, stdout discarded.',
    '',
    ...lines,
  ].join('\n');
  console.log(text);
  writeSection(titleForNode('Lambda path: catalog handler against a bare handler'), text);
  if (failed) process.exitCode = 1;
}

if (process.argv[2] === 'child') {
  child(process.argv[3], process.argv[4]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
