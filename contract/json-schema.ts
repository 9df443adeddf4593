import { toJSONSchema } from 'zod/mini';
import type * as z from 'zod/mini';

/**
 * A contract schema as JSON Schema: draft 4 for API Gateway models, 2020-12 for OpenAPI 3.1. The
 * request side (`io: 'input'`) is what a client may send: defaults are optional and `overwrite`s
 * (lower-casing) accept what they are given. Never imported by `lambda/`: a bundle stays without
 * the converter.
 */
export function jsonSchemaOf(
  schema: z.ZodMiniType,
  target: 'draft-04' | 'draft-2020-12',
  io: 'input' | 'output' = 'input',
): Record<string, unknown> {
  // `$schema` is the document's business (API Gateway's model, the OpenAPI dialect), not each schema's.
  const { $schema: _dialect, ...rest } = toJSONSchema(schema, { target, io, unrepresentable: 'throw' }) as Record<string, unknown>;
  return rest;
}
