import * as z from 'zod/mini';
import { ERRORS, type ErrorCode } from './errors.js';

/**
 * The success bodies of the contract, as the services answer them. Only the OpenAPI document and
 * the tests read these (a service's answer is typed by its domain), so they carry no bundle cost.
 */
const uuid = z.uuid();
const isoTime = z.iso.datetime();
const currency = z.string().check(z.regex(/^[A-Z]{3}$/));
const cents = z.int().check(z.minimum(0));

export const registeredSchema = z.object({ userId: uuid });

export const sessionSchema = z.object({
  token: z.string().check(z.minLength(1)),
  /** Seconds until the token expires. */
  expiresIn: z.int().check(z.minimum(1)),
});

export const productSchema = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  priceCents: cents,
  currency,
  stock: z.int().check(z.minimum(0)),
});

export const productPageSchema = z.object({
  items: z.array(productSchema),
  nextCursor: z.nullable(z.string()),
});

export const orderSchema = z.object({
  orderId: uuid,
  status: z.enum(['PENDING', 'PAID', 'EXPIRED']),
  totalCents: cents,
  currency,
  items: z.array(z.object({ productId: uuid, quantity: z.int().check(z.minimum(1)), unitPriceCents: cents })),
  /** Until when an unpaid order holds its stock. */
  expiresAt: isoTime,
});

export const paymentSchema = z.object({
  paymentId: uuid,
  orderId: uuid,
  status: z.literal('SUCCEEDED'),
  amountCents: cents,
  currency,
});

/** One offending field of a request, as returned in `error.details`. */
export const fieldProblemSchema = z.object({ field: z.string(), problem: z.string() });

/** The JSON body of every error answer, from a service or from the gateway. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.array(fieldProblemSchema),
  }),
});
