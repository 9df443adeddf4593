import type { Context } from 'hono';
import * as z from 'zod/mini';
import { parse } from './http.js';
import { idempotencyKeySchema } from '../../contract/schemas.js';

const header = z.object({ 'Idempotency-Key': idempotencyKeySchema });

/** The request's `Idempotency-Key` header, checked (400 naming the header); undefined when optional and absent. */
export function idempotencyKeyOf(c: Context, required: boolean): string | undefined {
  const value = c.req.header('idempotency-key');
  if (value === undefined && !required) return undefined;
  return parse(header, { 'Idempotency-Key': value })['Idempotency-Key'];
}
