import * as z from 'zod/mini';

/**
 * The request schemas of the contract: the services parse with them (`lambda/`), the CDK app
 * generates the API Gateway models from them (`lib/constructs/storefront-api.ts`) and
 * `scripts/openapi.ts` the OpenAPI document. Only checks JSON Schema can state belong here (an
 * `overwrite` such as `toLowerCase` is fine: it changes no accepted input), so the gateway, the
 * document and the service accept exactly the same requests. Imported as `zod/mini`, like the
 * services do, so a Lambda bundle carries only the checks it uses.
 */

/** Credentials of a new account: emails are compared lower-cased. */
export const credentialsSchema = z.object({
  // zod's email pattern, without `format: email`: the pattern is the whole rule, while a JSON
  // Schema `email` format promises RFC 5321 limits (64-character local part) the service never checked.
  email: z
    .string('must be a valid email address')
    .check(z.regex(z.regexes.email, 'must be a valid email address'), z.maxLength(254), z.toLowerCase()),
  // The upper bound keeps a slow KDF from being fed megabytes.
  password: z.string().check(z.minLength(8, 'must be at least 8 characters'), z.maxLength(256)),
});
export type Credentials = z.infer<typeof credentialsSchema>;

/**
 * Login checks presence only: the rules of a new password say nothing about an old one, and a
 * wrong password of any length (or an email that is no account) is the same 401.
 */
export const loginSchema = z.object({
  email: z.string('is required').check(z.minLength(1, 'is required'), z.maxLength(254), z.toLowerCase()),
  password: z.string('is required').check(z.minLength(1, 'is required'), z.maxLength(256)),
});

/** Ids in a path or body are strings: the services own their format (UUIDs) and answer 404 for another. */
export const idSchema = z.string().check(z.minLength(1, 'is required'));

function mergeLines<L extends { productId: string; quantity: number }>(lines: L[]): L[] {
  const merged = new Map<string, L>();
  for (const line of lines) {
    const seen = merged.get(line.productId);
    merged.set(line.productId, seen ? { ...seen, quantity: seen.quantity + line.quantity } : line);
  }
  return [...merged.values()];
}

export const newOrderSchema = z.object({
  items: z
    .array(
      z.object({
        // PostgreSQL prints UUIDs in lower case; the ids are compared with what it returns.
        productId: z.string().check(z.minLength(1, 'is required'), z.toLowerCase()),
        quantity: z.int('must be a positive integer').check(z.minimum(1, 'must be a positive integer'), z.maximum(1000)),
      }),
    )
    // One line per product: a product listed twice (in any letter case) is one line with the
    // quantities summed. A rule JSON Schema cannot state (unique by a key) would make the document
    // promise what the service refuses; this one only changes what an accepted order holds.
    .check(z.minLength(1, 'must hold at least one item'), z.maxLength(50), z.overwrite(mergeLines)),
});
export type OrderRequest = z.infer<typeof newOrderSchema>;

export const newPaymentSchema = z.object({
  orderId: idSchema,
  paymentMethod: z.object({ token: z.string().check(z.minLength(1, 'is required'), z.maxLength(200)) }),
});
export type PaymentRequest = z.infer<typeof newPaymentSchema>;

/** `Idempotency-Key` (POST /orders, POST /payments): 8–128 visible ASCII characters. */
export const idempotencyKeySchema = z
  .string('is required')
  .check(
    z.minLength(8, 'must be 8 to 128 characters'),
    z.maxLength(128, 'must be 8 to 128 characters'),
    z.regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters'),
  );

/**
 * An opaque page cursor: 22 base64url characters (the 16 bytes of the last id of the previous
 * page). Any such string is a position, so the pattern is the whole rule.
 */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export const listProductsQuerySchema = z.object({
  limit: z._default(
    z.coerce
      .number('must be an integer')
      .check(z.multipleOf(1, 'must be an integer'), z.minimum(1, 'must be between 1 and 100'), z.maximum(100, 'must be between 1 and 100')),
    20,
  ),
  cursor: z.optional(z.string().check(z.regex(CURSOR_PATTERN, 'is not a cursor this API returned'))),
});
