import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useLocalEnvironment } from '../scripts/local-env.js';
import { startCatalogPair } from './support/catalog-pair.js';
import { load, type Run } from './support/load.js';
import { machine, median, writeSection } from './support/report.js';

/**
 * `npm run bench:gc`: the young-generation GC of the cached product read, app against floor, in
 * one run: both started as `bench:fast-path` starts them plus `--trace-gc-nvp` (one line per GC on
 * stdout, kept in a file), loaded alternately A B A B, and each side's scavenges during its measured
 * runs summarised: how many, their pauses, what each promotes to the old generation and the size of
 * the new space. A diagnosis, not a target: it shows what the container's p99 is made of (a request
 * that arrives during a scavenge waits it out).
 */
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const DURATION_S = Number(process.env.DURATION ?? 6);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const PORT = Number(process.env.BENCH_PORT ?? 8194);

interface Scavenge {
  readonly pauseMs: number;
  readonly promoted: number;
  readonly newSpace: number;
}

/** The scavenges (`gc=s`) in `text`, one `--trace-gc-nvp` line each. */
function scavengesIn(text: string): Scavenge[] {
  return text
    .split('\n')
    .filter((line) => / gc=s /.test(line))
    .map((line) => {
      const field = (name: string) => Number(new RegExp(` ${name}=([0-9.]+)`).exec(line)?.[1] ?? NaN);
      return { pauseMs: field('pause'), promoted: field('promoted'), newSpace: field('new_space_capacity') };
    });
}

const sizeOf = (file: string) => fs.statSync(file).size;
const textFrom = (file: string, offset: number) => fs.readFileSync(file).subarray(offset).toString('utf8');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

async function main(): Promise<void> {
  await useLocalEnvironment();
  const started = machine();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-gc-'));
  const out = (side: 'app' | 'floor') => path.join(dir, `${side}.out`);
  const pair = await startCatalogPair(PORT, { extraFlags: ['--trace-gc-nvp'], stdoutFile: out });
  try {
    const { app, floor, flags, scenarios } = pair;
    const { name, paths } = scenarios[0];
    const sides = [
      { side: 'app' as const, url: app.url, runs: [] as Run[], scavenges: [] as Scavenge[] },
      { side: 'floor' as const, url: floor.url, runs: [] as Run[], scavenges: [] as Scavenge[] },
    ];
    // Not counted: lets V8 optimise both hot paths and size both new spaces first.
    for (const s of sides) await load(s.url, paths, 3, CONNECTIONS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of sides) {
        const from = sizeOf(out(s.side));
        s.runs.push(await load(s.url, paths, DURATION_S, CONNECTIONS));
        s.scavenges.push(...scavengesIn(textFrom(out(s.side), from)));
      }
    }
    const rows = sides.map(({ side, runs, scavenges }) => {
      if (scavenges.length === 0) throw new Error(`${side}: no scavenge traced (is --trace-gc-nvp still a V8 flag?)`);
      const pauses = scavenges.map((g) => g.pauseMs).sort((a, b) => a - b);
      const seconds = ROUNDS * DURATION_S;
      return (
        `| ${side} | ${median(runs.map((r) => r.rps)).toFixed(0)} | ${median(runs.map((r) => r.p99)).toFixed(2)} ms | ` +
        `${(scavenges.length / seconds).toFixed(1)} | ${median(pauses).toFixed(2)} ms | ${pauses[pauses.length - 1].toFixed(2)} ms | ` +
        `${(pauses.reduce((a, b) => a + b, 0) / (seconds * 10)).toFixed(2)} % | ${mb(median(scavenges.map((g) => g.promoted)))} | ` +
        `${(Math.max(...scavenges.map((g) => g.newSpace)) / 2 ** 20).toFixed(0)} MiB |`
      );
    });
    const text = [
      `Measured ${started} by \`npm run bench:gc\` (bench/gc.ts): ${name}, autocannon, ${CONNECTIONS} connections,`,
      `${ROUNDS} runs of ${DURATION_S} s per side alternating, both started as \`bench:fast-path\` starts them`,
      `(\`node ${flags.join(' ')}\`; the app's access lines and the GC trace go to a file). Scavenges counted during the`,
      'measured runs only. A diagnosis, not a target.',
      '',
      '| side | req/s (median) | p99 (median) | scavenges / s | pause, median | pause, max | time in scavenges | promoted per scavenge (median) | new space, largest |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
    console.log(`\n${text}`);
    writeSection('Young-generation GC of the cached read: container entry against its floor', text);
  } finally {
    await pair.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
