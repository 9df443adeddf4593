import { readFileSync } from 'node:fs';
import { EMULATOR } from './deployed.js';
import { OUTPUTS_FILE } from '../../scripts/local-outputs.js';

/** Issue 4's contract: what `npm run local` writes is usable as written, without rewriting. */
describe('cdk-outputs.local.json', () => {
  const outputs = JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as Record<string, Record<string, string>>;
  const apiUrls = Object.values(outputs).flatMap((stack) =>
    Object.entries(stack)
      .filter(([key]) => key.endsWith('ApiUrl'))
      .map(([, value]) => value),
  );

  test('holds one ApiUrl, on the emulator this run deployed to', () => {
    expect(apiUrls).toHaveLength(1);
    expect(apiUrls[0].startsWith(`${EMULATOR}/restapis/`)).toBe(true);
  });

  test('its ApiUrl answers from this machine as written: GET /products is 200 with a product list', async () => {
    const res = await fetch(`${apiUrls[0]}/products?limit=1`, { signal: AbortSignal.timeout(15_000) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: unknown[] };
    expect(Array.isArray(body.items)).toBe(true);
  });
});
