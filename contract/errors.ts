/**
 * Every error code of the contract with its HTTP status, answered by the services and by the
 * gateway alike. A code's status is fixed here, so a service cannot answer one code with two.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, description: 'The request does not match its schema; `details` names each field at fault' },
  MIXED_CURRENCY: { status: 400, description: 'The items of an order are priced in more than one currency' },
  BAD_REQUEST: { status: 400, description: 'The gateway refused the request before any service saw it' },
  UNAUTHORIZED: { status: 401, description: 'No bearer token, or one that is invalid or expired' },
  INVALID_CREDENTIALS: { status: 401, description: 'Wrong email or password' },
  PAYMENT_DECLINED: { status: 402, description: 'The card was declined; a retry with the same key gets the same answer' },
  FORBIDDEN: { status: 403, description: 'The token is valid but not for this route' },
  NOT_FOUND: { status: 404, description: 'No such route' },
  PRODUCT_NOT_FOUND: { status: 404, description: 'No such product' },
  ORDER_NOT_FOUND: { status: 404, description: 'No such order of the signed-in user' },
  METHOD_NOT_ALLOWED: { status: 405, description: 'The path exists, the method does not; `Allow` lists the methods it has' },
  EMAIL_TAKEN: { status: 409, description: 'An account with this email exists' },
  INSUFFICIENT_STOCK: { status: 409, description: 'Not enough stock of a product' },
  TOO_MANY_OPEN_ORDERS: { status: 409, description: 'The user holds the most unpaid, unexpired orders allowed' },
  ORDER_NOT_PAYABLE: { status: 409, description: 'The order is paid, expired, or being paid under another key' },
  PAYMENT_IN_PROGRESS: { status: 409, description: 'A payment with this key is still in progress; retry shortly' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The body exceeds 64 KiB' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, description: 'This Idempotency-Key was used with another request body' },
  RATE_LIMITED: { status: 429, description: 'Throttled by the gateway; retry later' },
  INTERNAL: { status: 500, description: 'A fault on our side, without internals; retry' },
  PAYMENT_PROVIDER_UNAVAILABLE: { status: 503, description: 'The payment provider did not answer; retry with the same key' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** Largest accepted request body, in bytes (the services answer 413 PAYLOAD_TOO_LARGE past it). */
export const MAX_BODY_BYTES = 64 * 1024;
