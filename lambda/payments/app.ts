import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context as LambdaContext } from 'aws-lambda';
import type { Context } from 'hono';
import { Hono } from 'hono/tiny';
import { requireUser, type SignedInVariables } from '#shared/auth-middleware.js';
import { AppError } from '#shared/errors.js';
import { addHealth } from '#shared/health.js';
import { createApp, jsonBody } from '#shared/http.js';
import { idempotencyKeyOf } from '#shared/idempotency-key.js';
import type { TokenIssuer } from '#shared/tokens.js';
import { newPaymentSchema } from '../../contract/payments.js';
import { canonicalOrderId, type Payment } from './domain.js';
import type { PayInput } from './usecase.js';

export interface PaymentsDeps {
  readonly pay: (input: PayInput) => Promise<Payment>;
  readonly persistenceStore: BasePersistenceLayer;
  readonly tokens: TokenIssuer;
  readonly ping: () => Promise<unknown>;
  /** How long a duplicate waits for the first request with its key before giving up. */
  readonly inProgressWaitMs?: number;
  /**
   * Off Lambda (the container), how long an unfinished payment holds its Idempotency-Key before a
   * retry may take it over; on Lambda the invocation's remaining time is used instead.
   * @default IN_PROGRESS_BUDGET_MS
   */
  readonly inProgressBudgetMs?: number;
}

/**
 * The container has no Lambda deadline to bound an in-progress record by; without a bound, a process
 * that dies mid-payment blocks its key for the record's whole 24 h. 30 s is well past a payment (a
 * provider call and one transaction) yet short enough for a client's retry to go through.
 */
export const IN_PROGRESS_BUDGET_MS = 30_000;

/**
 * On Lambda a duplicate stops waiting this long before the invocation's deadline, so it answers 409
 * PAYMENT_IN_PROGRESS itself instead of being killed by the function timeout (a 502 at the gateway).
 */
export const LAMBDA_ANSWER_MARGIN_MS = 1_000;

/** The Lambda context of the invocation, which the hono Lambda adapter puts in `c.env`; undefined off Lambda. */
const lambdaContextOf = (c: Context): LambdaContext | undefined => (c.env as { lambdaContext?: LambdaContext } | undefined)?.lambdaContext;

export function paymentsApp({
  pay,
  persistenceStore,
  tokens,
  ping,
  inProgressWaitMs = 10_000,
  inProgressBudgetMs = IN_PROGRESS_BUDGET_MS,
}: PaymentsDeps) {
  // Key: the caller and their Idempotency-Key. Payload check: the same key with another body is refused.
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[userId, key]',
    payloadValidationJmesPath: '[orderId, token]',
    expiresAfterSeconds: 24 * 3600,
  });
  const idempotentPay = makeIdempotent(pay, { persistenceStore, config });
  // Powertools reads only getRemainingTimeInMillis, to set the in-progress record's expiry.
  const containerBudget = { getRemainingTimeInMillis: () => inProgressBudgetMs } as LambdaContext;

  const app = createApp();
  addHealth(app, { database: ping });
  const signedIn = new Hono<{ Variables: SignedInVariables }>();
  signedIn.use('*', requireUser(tokens));
  signedIn.post('/', async (c) => {
    const key = idempotencyKeyOf(c, true)!;
    const body = await jsonBody(c, newPaymentSchema);
    const orderId = canonicalOrderId(body.orderId);
    if (!orderId) throw new AppError('ORDER_NOT_FOUND', `No order ${body.orderId}`);
    const input: PayInput = { userId: c.get('userId'), key, orderId, token: body.paymentMethod.token };
    // Per request: on Lambda the context is the invocation's (one invocation at a time per instance).
    const lambdaContext = lambdaContextOf(c);
    config.registerLambdaContext(lambdaContext ?? containerBudget);
    const deadline =
      Date.now() +
      Math.min(inProgressWaitMs, lambdaContext ? lambdaContext.getRemainingTimeInMillis() - LAMBDA_ANSWER_MARGIN_MS : Infinity);
    for (;;) {
      try {
        return c.json(await idempotentPay(input), 201);
      } catch (err) {
        if (err instanceof IdempotencyValidationError) {
          throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with another request body');
        }
        // A concurrent duplicate: wait for the first request's result rather than charging again.
        if (err instanceof IdempotencyAlreadyInProgressError && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (err instanceof IdempotencyAlreadyInProgressError) {
          throw new AppError('PAYMENT_IN_PROGRESS', 'A payment with this Idempotency-Key is in progress; retry shortly');
        }
        throw (err as { cause?: unknown }).cause instanceof AppError ? (err as { cause: AppError }).cause : err;
      }
    }
  });
  app.route('/payments', signedIn);
  return app;
}
