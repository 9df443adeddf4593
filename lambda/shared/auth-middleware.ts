import type { MiddlewareHandler } from 'hono';
import { unauthorized } from './errors.js';
import { bearerToken, type TokenIssuer } from './tokens.js';

export type SignedInVariables = { userId: string };

/**
 * Requires a valid bearer token. API Gateway's authorizer checks it first; the service checks it
 * again so it is safe without API Gateway too (a container, `npm run serve`).
 */
export function requireUser(tokens: TokenIssuer): MiddlewareHandler<{ Variables: SignedInVariables }> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    const userId = token ? await tokens.verify(token) : undefined;
    if (!userId) throw unauthorized(token ? 'The token is invalid or expired' : 'Sign in first: no bearer token');
    c.set('userId', userId);
    await next();
  };
}
