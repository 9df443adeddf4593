import { sign, verify } from 'hono/jwt';
import { secretString } from './secrets.js';

/** Session lifetime. */
export const TOKEN_TTL_SECONDS = 3600;

export interface TokenIssuer {
  issue(userId: string): Promise<{ token: string; expiresIn: number }>;
  /** The user id of a valid token, or undefined. */
  verify(token: string): Promise<string | undefined>;
}

/** HS256 tokens signed with the key in Secrets Manager (`TOKEN_SECRET_ARN`). */
export function tokenIssuer(key: () => Promise<string>, now: () => number = () => Math.floor(Date.now() / 1000)): TokenIssuer {
  return {
    async issue(userId) {
      const iat = now();
      const token = await sign({ sub: userId, iat, exp: iat + TOKEN_TTL_SECONDS }, await key(), 'HS256');
      return { token, expiresIn: TOKEN_TTL_SECONDS };
    },
    async verify(token) {
      // Outside the try: a key that cannot be read is our fault (5xx), not a bad token (401).
      const signingKey = await key();
      try {
        const payload = await verify(token, signingKey, 'HS256');
        return typeof payload.sub === 'string' ? payload.sub : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export const tokenIssuerFromEnv = (env: { TOKEN_SECRET_ARN: string }): TokenIssuer => tokenIssuer(() => secretString(env.TOKEN_SECRET_ARN));

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
