import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { once } from 'node:events';
import { serverBundle } from '../../lib/constructs/bundling.js';

/** The container's bundle of `entry` (the same esbuild build `ContainerService` ships), built or cached. */
export const serverFile = (entry: string): string => path.join(serverBundle(entry), 'index.mjs');

export interface RunningServer {
  readonly url: string;
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
 * stdout (the request logs) discarded, and returns once it answers `probe`.
 */
export async function startNode(
  file: string,
  port: number,
  env: NodeJS.ProcessEnv,
  options: { flags?: string[]; probe?: string } = {},
): Promise<RunningServer> {
  const child = spawn(process.execPath, [...(options.flags ?? []), file], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await reachable(`${url}${options.probe ?? '/health'}`, child);
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
