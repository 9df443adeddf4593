import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/** Where the tests find the AWS emulator; the SDK reads these like any AWS endpoint settings. */
export const EMULATOR_ENV = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
} as const;

/** Starts MiniStack (pinned, in ./.venv) unless it already runs; fails loudly saying how to fix it. */
export function ensureMiniStack(): void {
  const script = path.join(__dirname, '..', '..', 'scripts', 'ministack.sh');
  try {
    execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    throw new Error(
      `MiniStack is not running on 127.0.0.1:4566 and could not be started: run 'bash scripts/ministack.sh start' and see .local/ministack.log`,
    );
  }
}
