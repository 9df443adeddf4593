import * as z from 'zod/mini';

/**
 * The request schemas of the contract, one file per service (`contract/<service>.ts`) plus the
 * ones several share (here): the services parse with them (`lambda/`), the CDK app
 * generates the API Gateway models from them (`lib/constructs/storefront-api.ts`) and
 * `scripts/openapi.ts` the OpenAPI document. Only checks JSON Schema can state belong here (an
 * `overwrite` such as `toLowerCase` is fine: it changes no accepted input), so the gateway, the
 * document and the service accept exactly the same requests. Imported as `zod/mini`, like the
 * services do; split by service so a Lambda bundle carries only its own schemas (a module's
 * top-level schemas are calls, which a bundler keeps once the module is imported).
 */

/** Ids in a path or body are strings: the services own their format (UUIDs) and answer 404 for another. */
export const idSchema = z.string().check(z.minLength(1, 'is required'));

/** `Idempotency-Key` (POST /orders, POST /payments): 8–128 visible ASCII characters. */
export const idempotencyKeySchema = z
  .string('is required')
  .check(
    z.minLength(8, 'must be 8 to 128 characters'),
    z.maxLength(128, 'must be 8 to 128 characters'),
    z.regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters'),
  );
