import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A free TCP port on loopback, as the kernel hands one out. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = s.address() as { port: number };
      s.close(() => resolve(p));
    });
  });

export async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export interface OwnRedis {
  readonly port: number;
  readonly process: ChildProcess;
}

/**
 * A redis-server of the test's own on a free port, for drills that stop, freeze or reconfigure it
 * (the shared 6379 is never touched). Resolves once it answers PING; the caller kills it.
 */
export async function startRedisServer(password?: string): Promise<OwnRedis> {
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(password ? ['--requirepass', password] : [])],
    { stdio: 'ignore' },
  );
  const up = await until(async () => {
    const probe = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } finally {
      probe.disconnect();
    }
  }, 10_000);
  if (!up) {
    server.kill('SIGTERM');
    throw new Error(`redis-server on ${port} did not start`);
  }
  return { port, process: server };
}
