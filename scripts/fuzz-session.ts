import { randomUUID } from 'node:crypto';
import { apiUrl } from './local-outputs.js';

/**
 * Prints the deployed local API's base URL and a bearer token of a fresh fuzz user, one per line,
 * for scripts/fuzz.sh: Schemathesis then reaches the signed-in routes as that user.
 */
async function main(): Promise<void> {
  const base = apiUrl();
  const credentials = { email: `fuzz-${randomUUID()}@example.com`, password: randomUUID() };
  const post = (path: string) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
  const registered = await post('/auth/register');
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
  const login = await post('/auth/login');
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  console.log(base);
  console.log(token);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
