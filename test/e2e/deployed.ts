import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
