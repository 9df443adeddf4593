import { z } from 'zod';

export const paymentRequestSchema = z.object({
  orderId: z.string().min(1, 'is required'),
  paymentMethod: z.object({ token: z.string().min(1, 'is required').max(200) }),
});
export type PaymentRequest = z.infer<typeof paymentRequestSchema>;

// `guid`, not `uuid`: zod's `uuid` also checks the RFC version bits, which PostgreSQL's uuid type
// (and the orders service's check) does not, so a stored id could be refused as malformed.
const orderIdSchema = z.guid().transform((id) => id.toLowerCase());

/**
 * The order id in PostgreSQL's canonical (lower-case) form, or undefined for a malformed one: no
 * order can have it, so it is "not found" rather than a fault of the database cast.
 */
export function canonicalOrderId(raw: string): string | undefined {
  const result = orderIdSchema.safeParse(raw);
  return result.success ? result.data : undefined;
}

/** `Idempotency-Key`: 8–128 visible ASCII characters. */
export const idempotencyKeySchema = z
  .string('is required')
  .min(8, 'must be 8 to 128 characters')
  .max(128, 'must be 8 to 128 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters');

export interface Payment {
  readonly paymentId: string;
  readonly orderId: string;
  readonly status: 'SUCCEEDED';
  readonly amountCents: number;
  readonly currency: string;
}

export { type ConfirmationJob, confirmationJobSchema, renderConfirmation } from '#shared/confirmation.js';
