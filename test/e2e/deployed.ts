import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { EMULATOR, apiUrl, output } from '../../scripts/local-outputs.js';

export { EMULATOR, apiUrl };

/** What `npm run local` deployed: `containers` (prod's compute shape) or `lambda` (.local/shape). */
export function localShape(): 'containers' | 'lambda' {
  const file = join(__dirname, '..', '..', '.local', 'shape');
  return existsSync(file) && readFileSync(file, 'utf8').trim() === 'containers' ? 'containers' : 'lambda';
}

/** The container services' ALB on the emulator's data plane, one hop behind API Gateway. */
export function loadBalancerUrl(): string {
  return `${EMULATOR}/_alb/${output('LoadBalancerName')}`;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

export async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  base = apiUrl(),
): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* non-JSON answers are asserted as text */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** SES messages MiniStack recorded (its outbox). */
export async function sentEmails(): Promise<Array<Record<string, any>>> {
  const res = await fetch(`${EMULATOR}/_ministack/ses/messages`);
  // Shape measured on MiniStack 1.5.33: {"messages": {"<account>": [ {MessageId, Source, To, Subject, ...} ]}}
  const body = (await res.json()) as { messages?: Record<string, Array<Record<string, any>>> };
  return Object.values(body.messages ?? {}).flat();
}

/** The deployed shop's database (`npm run local`: the machine's PostgreSQL, database `storefront`). */
async function withShopDatabase<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'storefront' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A product of this test's own, so its stock moves only with what the test does (other tests' orders
 * expire and give stock back to the shared demo products at any time).
 */
export async function ownProduct(stock: number): Promise<string> {
  const sku = `e2e-${randomUUID()}`;
  return withShopDatabase(async (c) => {
    const { rows } = await c.query<{ id: string }>(
      "INSERT INTO products (sku, name, description, price_cents, currency, stock) VALUES ($1, 'E2E test product', 'Made by a test', 100, 'USD', $2) RETURNING id",
      [sku, stock],
    );
    return rows[0].id;
  });
}

/** A product's stock on the primary, where writes land (reads through the API may be cached). */
export async function stockOnPrimary(productId: string): Promise<number> {
  return withShopDatabase(
    async (c) => (await c.query<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [productId])).rows[0].stock,
  );
}
