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

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'ministack.sh');
const emulatorEnv = () => ({ ...process.env, MINISTACK_PORT: EMULATOR_PORT });

/** Whether an emulator answers on the test port. */
function miniStackRuns(): boolean {
  try {
    execFileSync('bash', [SCRIPT, 'status'], { stdio: 'ignore', env: emulatorEnv() });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts MiniStack (pinned, in ./.venv) unless it already runs; fails loudly saying how to fix it.
 * Returns whether this call started it (the run then stops it: `stopMiniStack`).
 */
export function ensureMiniStack(): boolean {
  if (miniStackRuns()) return false;
  try {
    execFileSync('bash', [SCRIPT, 'start'], { stdio: ['ignore', 'inherit', 'inherit'], env: emulatorEnv() });
  } catch {
    throw new Error(
      `MiniStack is not running on 127.0.0.1:${EMULATOR_PORT} and could not be started: run 'MINISTACK_PORT=${EMULATOR_PORT} bash scripts/ministack.sh start' and see .local/ministack*.log`,
    );
  }
  return true;
}

/** Stops the emulator a test run started (one that was already running is left alone). */
export function stopMiniStack(): void {
  execFileSync('bash', [SCRIPT, 'stop'], { stdio: ['ignore', 'inherit', 'inherit'], env: emulatorEnv() });
}
