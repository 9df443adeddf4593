// Loads one bundle as the Lambda runtime does (require) and reports, as one JSON line on fd 3, how
// long require() took and how much CPU the process spent from just before it until WINDOW_MS later
// (top-level code and the init it starts: environment checks, clients, the app, connections;
// waiting on I/O is not CPU). Usage: node load-probe.cjs <bundle/index.js>
const fs = require('node:fs');
const file = process.argv[2];
const windowMs = Number(process.env.WINDOW_MS ?? 1500);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
require(file);
const loadMs = performance.now() - t0;
const cpuLoad = process.cpuUsage(cpu0);
setTimeout(() => {
  const cpu = process.cpuUsage(cpu0);
  fs.writeSync(3, `${JSON.stringify({ loadMs, loadCpuMs: (cpuLoad.user + cpuLoad.system) / 1000, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  process.exit(0);
}, windowMs);
