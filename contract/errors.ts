/**
 * Every error code of the contract with its HTTP status, answered by the services and by the
 * gateway alike. A code's status is fixed here, so a service cannot answer one code with two. What
 * each code means is in `error-descriptions.ts`, which only the documentation reads: every Lambda
 * bundle carries this table, not the prose.
 */
export const ERRORS = {
  VALIDATION_FAILED: 400,
  MIXED_CURRENCY: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  PAYMENT_DECLINED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  EMAIL_TAKEN: 409,
  INSUFFICIENT_STOCK: 409,
  TOO_MANY_OPEN_ORDERS: 409,
  ORDER_NOT_PAYABLE: 409,
  PAYMENT_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  PAYMENT_PROVIDER_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERRORS;

/** Largest accepted request body, in bytes (the services answer 413 PAYLOAD_TOO_LARGE past it). */
export const MAX_BODY_BYTES = 64 * 1024;
