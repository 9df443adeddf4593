/** One offending field of a request, as returned in `error.details`. */
export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

/**
 * An error the client caused or may act on. Everything else is a fault and becomes a 500 with no
 * internals (see `http.ts`).
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const validationError = (details: readonly FieldProblem[], message = 'The request is invalid'): AppError =>
  new AppError(400, 'VALIDATION_FAILED', message, details);
export const unauthorized = (message = 'Sign in first'): AppError => new AppError(401, 'UNAUTHORIZED', message);
export const notFound = (code: string, message: string): AppError => new AppError(404, code, message);
export const conflict = (code: string, message: string): AppError => new AppError(409, code, message);

/** The JSON body of every error answer. */
export function errorBody(error: AppError): { error: { code: string; message: string; details: readonly FieldProblem[] } } {
  return { error: { code: error.code, message: error.message, details: error.details } };
}
