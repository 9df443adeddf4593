import { ERRORS, type ErrorCode } from '../../contract/errors.js';

/** One offending field of a request, as returned in `error.details`. */
export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

/**
 * An error the client caused or may act on, by its contract code (`contract/errors.ts`), which
 * fixes its status. Everything else is a fault and becomes a 500 with no internals (see `http.ts`).
 */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERRORS[code];
  }
}

export const validationError = (details: readonly FieldProblem[], message = 'The request is invalid'): AppError =>
  new AppError('VALIDATION_FAILED', message, details);
export const unauthorized = (message = 'Sign in first'): AppError => new AppError('UNAUTHORIZED', message);

/** The JSON body of every error answer. */
export function errorBody(error: AppError): { error: { code: string; message: string; details: readonly FieldProblem[] } } {
  return { error: { code: error.code, message: error.message, details: error.details } };
}
