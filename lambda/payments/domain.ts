import * as z from 'zod/mini';
import { canonicalId } from '#shared/ids.js';

export const paymentRequestSchema = z.object({
  orderId: z.string().check(z.minLength(1, 'is required')),
  paymentMethod: z.object({ token: z.string().check(z.minLength(1, 'is required'), z.maxLength(200)) }),
});
export type PaymentRequest = z.infer<typeof paymentRequestSchema>;

/** The order id in canonical form, or undefined for a malformed one (answered 404, not a fault). */
export const canonicalOrderId = canonicalId;

/** `Idempotency-Key`: 8–128 visible ASCII characters. */
export const idempotencyKeySchema = z
  .string('is required')
  .check(
    z.minLength(8, 'must be 8 to 128 characters'),
    z.maxLength(128, 'must be 8 to 128 characters'),
    z.regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters'),
  );

export interface Payment {
  readonly paymentId: string;
  readonly orderId: string;
  readonly status: 'SUCCEEDED';
  readonly amountCents: number;
  readonly currency: string;
}

export { type ConfirmationJob, confirmationJobSchema, renderConfirmation } from '#shared/confirmation.js';
