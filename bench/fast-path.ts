import { useLocalEnvironment } from '../scripts/local-env.js';
import { load, type Run } from './support/load.js';
import { machine, median, recordFigure, writeSection } from './support/report.js';
import { startCatalogPair } from './support/catalog-pair.js';

/**
 * `npm run bench:fast-path`: the cached catalog reads through the entry a Fargate task runs (the
 * esbuild bundle of `lambda/catalog/server.ts`, with the `node` flags of the image's CMD, default
 * log level, metrics on) against the floor, a bare Node `http` server doing the same Redis reads
 * (bench/support/floor-server.ts) under the same flags. One autocannon run per side, alternating
 * A B A B, so a busy neighbour on the shared machine hits both sides alike. Exits non-zero when a
 * target is missed.
 */
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION_S = Number(process.env.DURATION ?? 6);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const WARMUP_S = 3;
const PORT = Number(process.env.BENCH_PORT ?? 8190);
const MIN_THROUGHPUT_RATIO = 0.6;
const MAX_P99_RATIO = 2;
const mib = (n: number | undefined) => (n === undefined ? 'n/a (no /proc here)' : `${n.toFixed(0)} MiB`);

async function main(): Promise<void> {
  await useLocalEnvironment();
  const started = machine();
  const pair = await startCatalogPair(PORT);
  try {
    const { app, floor, flags, scenarios } = pair;
    const lines: string[] = [];
    let failed = false;
    for (const { key, name, paths } of scenarios) {
      const rows: Array<{ app: Run; floor: Run }> = [];
      // Not recorded: lets V8 optimise both servers' hot paths before the first measured run.
      await load(app.url, paths, WARMUP_S, CONNECTIONS);
      await load(floor.url, paths, WARMUP_S, CONNECTIONS);
      for (let round = 0; round < ROUNDS; round++) {
        const a = await load(app.url, paths, DURATION_S, CONNECTIONS);
        const b = await load(floor.url, paths, DURATION_S, CONNECTIONS);
        rows.push({ app: a, floor: b });
        console.log(
          `${name} round ${round + 1}: app ${a.rps.toFixed(0)}/s p99 ${a.p99.toFixed(2)} ms, floor ${b.rps.toFixed(0)}/s p99 ${b.p99.toFixed(2)} ms`,
        );
      }
      const tput = rows.map((r) => r.app.rps / r.floor.rps);
      const p99 = rows.map((r) => r.app.p99 / r.floor.p99);
      const ok = median(tput) >= MIN_THROUGHPUT_RATIO && median(p99) <= MAX_P99_RATIO;
      recordFigure(key, {
        value: Math.round(median(rows.map((r) => r.app.rps))),
        unit: 'requests/s',
        what: `${name} on one container process (one Node event loop) of the catalog, warm cache, ${CONNECTIONS} connections, on this machine`,
        by: 'npm run bench:fast-path',
      });
      failed ||= !ok;
      lines.push(
        `### ${name}`,
        '',
        '| round | app req/s | floor req/s | throughput ratio | app p99 | floor p99 | p99 ratio |',
        '|---|---|---|---|---|---|---|',
        ...rows.map(
          (r, i) =>
            `| ${i + 1} | ${r.app.rps.toFixed(0)} | ${r.floor.rps.toFixed(0)} | ${tput[i].toFixed(2)} | ${r.app.p99.toFixed(2)} ms | ${r.floor.p99.toFixed(2)} ms | ${p99[i].toFixed(2)}× |`,
        ),
        `| **median (min–max)** | ${median(rows.map((r) => r.app.rps)).toFixed(0)} | ${median(rows.map((r) => r.floor.rps)).toFixed(0)} | **${median(tput).toFixed(2)}** (${Math.min(...tput).toFixed(2)}–${Math.max(...tput).toFixed(2)}) | | | **${median(p99).toFixed(2)}×** (${Math.min(...p99).toFixed(2)}–${Math.max(...p99).toFixed(2)}) |`,
        '',
        `Target: throughput ratio ≥ ${MIN_THROUGHPUT_RATIO}, p99 ratio ≤ ${MAX_P99_RATIO}× (medians over rounds): **${ok ? 'met' : 'MISSED'}**.`,
        '',
      );
    }
    const text = [
      `Measured ${started} by \`npm run bench:fast-path\` (bench/fast-path.ts): autocannon, ${CONNECTIONS} connections,`,
      `${DURATION_S} s per run, ${ROUNDS} rounds alternating app and floor. **app**: the container bundle of`,
      `\`lambda/catalog/server.ts\` as the image runs it (\`node ${flags.join(' ')} index.mjs\`, the Dockerfile's CMD; \`NODE_ENV=production\`),`,
      'INFO access log line per request with its correlation id, EMF cache metrics on, warm cache. **floor**:',
      '`bench/support/floor-server.ts`, bare Node `http` + ioredis doing the same Redis GETs and returning the cached',
      'JSON as is, under the same `node` flags. Both write to a discarded stdout and share the Redis instance;',
      'autocannon runs on the same 2 cores.',
      '',
      ...lines,
      `Peak resident memory over the whole run (VmHWM): app ${mib(app.peakRssMiB())}, floor ${mib(floor.peakRssMiB())}.`,
      '',
    ].join('\n');
    console.log(`\n${text}`);
    writeSection('Cached read: container entry against its floor', text);
    if (failed) process.exitCode = 1;
  } finally {
    await pair.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
