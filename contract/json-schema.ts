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
  const json = toJSONSchema(schema, {
    target,
    io,
    unrepresentable: 'throw',
    // A request's pattern is the whole rule the service applies. A `format` beside it (zod writes
    // `email` next to its email pattern) promises more, such as RFC 5321's 64-character local
    // part, which the service never checks: Schemathesis found such an address accepted.
    override: ({ jsonSchema }) => {
      if (io === 'input' && jsonSchema.pattern !== undefined) delete jsonSchema.format;
    },
  }) as Record<string, unknown>;
  // `$schema` is the document's business (API Gateway's model, the OpenAPI dialect), not each schema's.
  const { $schema: _dialect, ...rest } = json;
  return rest;
}
