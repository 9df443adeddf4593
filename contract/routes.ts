/**
 * The shop's HTTP contract, once: every route with its method, path, owner service, sign-in,
 * headers, request schemas and answers. Both sides import it: the services (`lambda/`) validate
 * with its schemas and the CDK app (`lib/`) builds the API Gateway routes, models and validators
 * from it; `scripts/openapi.ts` writes it out as `docs/openapi.json`. It imports neither.
 */
import type * as z from 'zod/mini';
import type { ErrorCode } from './errors.js';
import { paymentSchema, orderSchema, productPageSchema, productSchema, registeredSchema, sessionSchema } from './responses.js';
import { credentialsSchema, loginSchema } from './auth.js';
import { listProductsQuerySchema } from './catalog.js';
import { newOrderSchema } from './orders.js';
import { newPaymentSchema } from './payments.js';
import { idempotencyKeySchema } from './schemas.js';

/** A service behind the API, named by its folder (`lambda/<service>/`); it owns the routes naming it. */
export type ApiService = string;

/** Request bodies of the contract, by name (the API Gateway model and OpenAPI schema names). */
export const BODIES = {
  Credentials: credentialsSchema,
  Login: loginSchema,
  NewOrder: newOrderSchema,
  NewPayment: newPaymentSchema,
} as const satisfies Record<string, z.ZodMiniType>;
export type ModelName = keyof typeof BODIES;

/** Success bodies of the contract, by name (OpenAPI schema names). */
export const ANSWERS = {
  Registered: registeredSchema,
  Session: sessionSchema,
  Product: productSchema,
  ProductPage: productPageSchema,
  Order: orderSchema,
  Payment: paymentSchema,
} as const satisfies Record<string, z.ZodMiniType>;
export type AnswerName = keyof typeof ANSWERS;

/** Request headers of the contract, with their schema. */
export const HEADERS = {
  'Idempotency-Key': {
    schema: idempotencyKeySchema,
    description: 'Makes the write safe to retry: the same key with the same body gets the first answer, with another body 422',
  },
} as const;
export type HeaderName = keyof typeof HEADERS;

/** One row of the public contract. */
export interface Route {
  /** Resource path with `{param}` placeholders; every placeholder is a required string. */
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly service: ApiService;
  /** The OpenAPI `operationId` and a one-line summary. */
  readonly operationId: string;
  readonly summary: string;
  readonly body?: ModelName;
  /** Query string parameters, all optional. */
  readonly query?: z.ZodMiniObject;
  readonly signedIn: boolean;
  readonly requiredHeaders?: readonly HeaderName[];
  /** Headers the method declares but does not require. */
  readonly optionalHeaders?: readonly HeaderName[];
  /** The success answer: its status and body. */
  readonly answer: { readonly status: 200 | 201; readonly body: AnswerName; readonly description: string };
  /**
   * The error codes this route's service may answer. Every route may also answer the codes of
   * `COMMON_ERRORS` (the gateway's and the app shell's).
   */
  readonly errors: readonly ErrorCode[];
}

/** Codes any route may answer: the gateway (throttling, size) and the app shell (faults). */
export const COMMON_ERRORS: readonly ErrorCode[] = ['PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'INTERNAL'];

/** Codes every signed-in route may answer (the authorizer, then the service itself). */
export const SIGNED_IN_ERRORS: readonly ErrorCode[] = ['UNAUTHORIZED', 'FORBIDDEN'];

export const ROUTES: readonly Route[] = [
  {
    path: '/auth/register',
    method: 'POST',
    service: 'auth',
    operationId: 'register',
    summary: 'Create an account',
    body: 'Credentials',
    signedIn: false,
    answer: { status: 201, body: 'Registered', description: 'The account exists; log in to get a token' },
    errors: ['VALIDATION_FAILED', 'EMAIL_TAKEN'],
  },
  {
    path: '/auth/login',
    method: 'POST',
    service: 'auth',
    operationId: 'login',
    summary: 'Exchange email and password for a bearer token',
    body: 'Login',
    signedIn: false,
    answer: { status: 200, body: 'Session', description: 'A bearer token for the signed-in routes' },
    errors: ['VALIDATION_FAILED', 'INVALID_CREDENTIALS'],
  },
  {
    path: '/products',
    method: 'GET',
    service: 'catalog',
    operationId: 'listProducts',
    summary: 'One page of the catalog',
    query: listProductsQuerySchema,
    signedIn: false,
    answer: { status: 200, body: 'ProductPage', description: 'Up to `limit` products and the cursor of the next page (null on the last)' },
    errors: ['VALIDATION_FAILED'],
  },
  {
    path: '/products/{id}',
    method: 'GET',
    service: 'catalog',
    operationId: 'getProduct',
    summary: 'One product',
    signedIn: false,
    answer: { status: 200, body: 'Product', description: 'The product with its price and stock' },
    errors: ['PRODUCT_NOT_FOUND'],
  },
  {
    path: '/orders',
    method: 'POST',
    service: 'orders',
    operationId: 'createOrder',
    summary: 'Order products: reserves their stock until the order is paid or expires',
    body: 'NewOrder',
    signedIn: true,
    optionalHeaders: ['Idempotency-Key'],
    answer: {
      status: 201,
      body: 'Order',
      description: 'The order, PENDING until paid (the first order again for a repeated key and body)',
    },
    errors: [
      'VALIDATION_FAILED',
      'MIXED_CURRENCY',
      'PRODUCT_NOT_FOUND',
      'INSUFFICIENT_STOCK',
      'TOO_MANY_OPEN_ORDERS',
      'IDEMPOTENCY_KEY_REUSED',
    ],
  },
  {
    path: '/orders/{id}',
    method: 'GET',
    service: 'orders',
    operationId: 'getOrder',
    summary: 'One order of the signed-in user',
    signedIn: true,
    answer: { status: 200, body: 'Order', description: 'The order and its status' },
    errors: ['ORDER_NOT_FOUND'],
  },
  {
    path: '/payments',
    method: 'POST',
    service: 'payments',
    operationId: 'createPayment',
    summary: 'Pay an order',
    body: 'NewPayment',
    signedIn: true,
    requiredHeaders: ['Idempotency-Key'],
    answer: { status: 201, body: 'Payment', description: 'The payment (the first payment again for a repeated key and body)' },
    errors: [
      'VALIDATION_FAILED',
      'PAYMENT_DECLINED',
      'ORDER_NOT_FOUND',
      'ORDER_NOT_PAYABLE',
      'PAYMENT_IN_PROGRESS',
      'IDEMPOTENCY_KEY_REUSED',
      'PAYMENT_PROVIDER_UNAVAILABLE',
    ],
  },
];

/** The `{param}` names of a path, in order. */
export const pathParams = (path: string): string[] => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
