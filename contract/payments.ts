import * as z from 'zod/mini';
import { idSchema } from './schemas.js';

/** The payments service's requests (see `schemas.ts` for what belongs in a contract schema). */

export const newPaymentSchema = z.object({
  orderId: idSchema,
  paymentMethod: z.object({ token: z.string().check(z.minLength(1, 'is required'), z.maxLength(200)) }),
});
export type PaymentRequest = z.infer<typeof newPaymentSchema>;
