import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm run local` writes the stack outputs (`cdk deploy --outputs-file`). */
export const OUTPUTS_FILE = join(__dirname, '..', 'cdk-outputs.local.json');

export const EMULATOR = process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566';

/** SDK client settings for the emulator, which accepts any credentials (they only sign requests). */
export const EMULATOR_CLIENT = {
  endpoint: EMULATOR,
  region: process.env.AWS_REGION ?? 'us-east-1',
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' },
};

/** The first output of any stack whose key ends in `suffix` (CDK prefixes keys with construct ids). */
export function output(suffix: string, file = OUTPUTS_FILE): string {
  const outputs = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
  for (const stack of Object.values(outputs)) {
    for (const [key, value] of Object.entries(stack)) {
      // `GatewayUrl` keys (the REST API's own url output) also end in ...Url; only `ApiUrl` is the contract.
      if (key.endsWith(suffix) && !key.endsWith(`Gateway${suffix}`)) return value;
    }
  }
  throw new Error(`no output ending in ${suffix} in ${file}: run 'npm run local' first`);
}

/** The `*ApiUrl` output as written: the local stage outputs the URL the emulator serves the API at. */
export function apiUrl(file = OUTPUTS_FILE): string {
  return output('ApiUrl', file).replace(/\/$/, '');
}
