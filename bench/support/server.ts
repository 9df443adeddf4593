import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import { serverBundle } from '../../lib/constructs/bundling.js';

/** The container's bundle of `entry` (the same esbuild build `ContainerService` ships), built or cached. */
export const serverFile = (entry: string): string => path.join(serverBundle(entry), 'index.mjs');

/** The `node` flags of the service image's CMD (lib/constructs/container-image/Dockerfile), so a bench runs what a task runs. */
export function imageNodeFlags(): string[] {
  const dockerfile = fs.readFileSync(path.join(__dirname, '../../lib/constructs/container-image/Dockerfile'), 'utf8');
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
  if (cmd[0] !== 'node') throw new Error(`the image's CMD does not start node: ${cmd.join(' ')}`);
  return cmd.slice(1, -1);
}

export interface RunningServer {
  readonly url: string;
  /** The process's peak resident memory so far (VmHWM), in MiB; undefined where there is no /proc (not Linux). */
  peakRssMiB(): number | undefined;
  stop(): Promise<void>;
}

/** Waits until `url` answers (any status). */
async function reachable(url: string, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before answering ${url}`);
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Runs `node [flags] file` as its own process on `port`, the way the container's CMD does, with
 * stdout (the request logs) discarded or written to `stdoutFile`, and returns once it answers `probe`.
 */
export async function startNode(
  file: string,
  port: number,
  env: NodeJS.ProcessEnv,
  options: { flags?: string[]; probe?: string; stdoutFile?: string } = {},
): Promise<RunningServer> {
  const stdout = options.stdoutFile === undefined ? 'ignore' : fs.openSync(options.stdoutFile, 'w');
  const child = spawn(process.execPath, [...(options.flags ?? []), file], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', stdout, 'inherit'],
  });
  // The child holds its own copy of the descriptor.
  if (typeof stdout === 'number') fs.closeSync(stdout);
  const url = `http://127.0.0.1:${port}`;
  await reachable(`${url}${options.probe ?? '/health'}`, child);
  return {
    url,
    peakRssMiB: () => {
      const status = `/proc/${child.pid}/status`;
      const kb = fs.existsSync(status) ? /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(status, 'utf8'))?.[1] : undefined;
      return kb === undefined ? undefined : Number(kb) / 1024;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
