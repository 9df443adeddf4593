import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * Where the tests find the AWS emulator; the SDK reads these like any AWS endpoint settings.
 * `TEST_MINISTACK_PORT` gives a run its own emulator (parallel checkouts on one machine).
 */
export const EMULATOR_PORT = process.env.TEST_MINISTACK_PORT ?? '4566';
export const EMULATOR_ENV = {
  AWS_ENDPOINT_URL: `http://127.0.0.1:${EMULATOR_PORT}`,
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
} as const;

/** Starts MiniStack (pinned, in ./.venv) unless it already runs; fails loudly saying how to fix it. */
export function ensureMiniStack(): void {
  const script = path.join(__dirname, '..', '..', 'scripts', 'ministack.sh');
  try {
    execFileSync('bash', [script, 'start'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, MINISTACK_PORT: EMULATOR_PORT },
    });
  } catch {
    throw new Error(
      `MiniStack is not running on 127.0.0.1:${EMULATOR_PORT} and could not be started: run 'MINISTACK_PORT=${EMULATOR_PORT} bash scripts/ministack.sh start' and see .local/ministack*.log`,
    );
  }
}
