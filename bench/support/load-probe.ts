import * as fs from 'node:fs';

/**
 * Loads one bundle as the Lambda runtime does (require) and reports, as one JSON line on fd 3, how
 * long require() took and how much CPU the process spent from just before it until WINDOW_MS later
 * (top-level code and the init it starts: environment checks, clients, the app, connections; time
 * waiting on I/O is not CPU). Bundled itself (bench/bundles.ts) so plain `node` runs it with no
 * TypeScript loader in the way. Usage: node <probe bundle> <bundle/index.js>
 */
const file = process.argv[2];
const windowMs = Number(process.env.WINDOW_MS ?? 1500);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module under test, loaded as the runtime loads it
require(file);
const loadMs = performance.now() - t0;
setTimeout(() => {
  const cpu = process.cpuUsage(cpu0);
  fs.writeSync(3, `${JSON.stringify({ loadMs, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  process.exit(0);
}, windowMs);
