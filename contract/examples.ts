import type { AnswerName, ModelName } from './routes.js';

/**
 * Examples of the contract's bodies: each request example is valid by its zod schema and its
 * generated JSON Schemas alike (test/infra/contract.test.ts), and the OpenAPI document shows them.
 */
const PRODUCT_ID = '3f2c7d4e-9a1b-4c5d-8e6f-0a1b2c3d4e5f';
const ORDER_ID = '8d0e1f2a-3b4c-4d5e-9f60-718293a4b5c6';

export const REQUEST_EXAMPLES: Record<ModelName, Record<string, { summary: string; value: unknown }>> = {
  Credentials: {
    newAccount: { summary: 'A new account', value: { email: 'ann@example.com', password: 'correct horse battery' } },
    shortest: { summary: 'The shortest password accepted (8 characters)', value: { email: 'Bob@Example.org', password: '12345678' } },
  },
  Login: {
    signIn: { summary: 'Sign in', value: { email: 'ann@example.com', password: 'correct horse battery' } },
    anyPassword: {
      summary: 'A password of any length is checked (and refused with 401 if wrong)',
      value: { email: 'ann@example.com', password: 'x' },
    },
  },
  NewOrder: {
    oneLine: { summary: 'One product', value: { items: [{ productId: PRODUCT_ID, quantity: 2 }] } },
    merged: {
      summary: 'A product listed twice is one line of 3',
      value: {
        items: [
          { productId: PRODUCT_ID, quantity: 1 },
          { productId: PRODUCT_ID.toUpperCase(), quantity: 2 },
        ],
      },
    },
  },
  NewPayment: {
    visa: { summary: 'The sandbox card that succeeds', value: { orderId: ORDER_ID, paymentMethod: { token: 'tok_visa' } } },
    declined: { summary: 'The sandbox card that is declined (402)', value: { orderId: ORDER_ID, paymentMethod: { token: 'tok_decline' } } },
  },
};

const product = {
  id: PRODUCT_ID,
  name: 'Espresso cup',
  description: 'Porcelain, 90 ml',
  priceCents: 1250,
  currency: 'USD',
  stock: 40,
};

export const ANSWER_EXAMPLES: Record<AnswerName, unknown> = {
  Registered: { userId: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f' },
  Session: { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjMWQyIn0.c2lnbmF0dXJl', expiresIn: 3600 },
  Product: product,
  ProductPage: { items: [product], nextCursor: 'Pyx9TpobTF2ObwobLD1OXw' },
  Order: {
    orderId: ORDER_ID,
    status: 'PENDING',
    totalCents: 2500,
    currency: 'USD',
    items: [{ productId: PRODUCT_ID, quantity: 2, unitPriceCents: 1250 }],
    expiresAt: '2026-12-01T18:45:00.000Z',
  },
  Payment: {
    paymentId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
    orderId: ORDER_ID,
    status: 'SUCCEEDED',
    amountCents: 2500,
    currency: 'USD',
  },
};

/** An example of a `VALIDATION_FAILED` answer's details; other codes have none. */
export const VALIDATION_DETAILS = [{ field: 'items.0.quantity', problem: 'must be a positive integer' }];
