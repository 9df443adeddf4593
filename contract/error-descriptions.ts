import type { ErrorCode } from './errors.js';

/** What each error code of the contract means, for the OpenAPI document and its readers. */
export const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request does not match its schema; `details` names each field at fault',
  MIXED_CURRENCY: 'The items of an order are priced in more than one currency',
  BAD_REQUEST: 'The gateway refused the request before any service saw it',
  UNAUTHORIZED: 'No bearer token, or one that is invalid or expired',
  INVALID_CREDENTIALS: 'Wrong email or password',
  PAYMENT_DECLINED: 'The card was declined; a retry with the same key gets the same answer',
  FORBIDDEN: 'The token is valid but not for this route',
  NOT_FOUND: 'No such route',
  PRODUCT_NOT_FOUND: 'No such product',
  ORDER_NOT_FOUND: 'No such order of the signed-in user',
  METHOD_NOT_ALLOWED: 'The path exists, the method does not; `Allow` lists the methods it has',
  EMAIL_TAKEN: 'An account with this email exists',
  INSUFFICIENT_STOCK: 'Not enough stock of a product',
  TOO_MANY_OPEN_ORDERS: 'The user holds the most unpaid, unexpired orders allowed',
  ORDER_NOT_PAYABLE: 'The order is paid, expired, or being paid under another key',
  PAYMENT_IN_PROGRESS: 'A payment with this key is still in progress; retry shortly',
  PAYLOAD_TOO_LARGE: 'The body exceeds 64 KiB',
  IDEMPOTENCY_KEY_REUSED: 'This Idempotency-Key was used with another request body',
  RATE_LIMITED: 'Throttled by the gateway; retry later',
  INTERNAL: 'A fault on our side, without internals; retry',
  PAYMENT_PROVIDER_UNAVAILABLE: 'The payment provider did not answer; retry with the same key',
};
