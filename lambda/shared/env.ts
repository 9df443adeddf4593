import * as z from 'zod/mini';
import './validation.js';

/** Thrown at start-up when the environment lacks what a service needs. */
export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`Invalid service configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and checks the environment once, at start-up: a missing or malformed variable fails the
 * container with one message per variable, instead of a confusing error on the first request.
 */
export function loadEnv<T extends z.core.$ZodLooseShape>(shape: T, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodMiniObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => {
      const name = i.path.join('.');
      return env[name] === undefined ? `${name} is not set` : `${name}: ${i.message}`;
    }),
  );
}

/** A variable that must be set and not empty. */
export const nonEmpty = (min = 1) => z.string().check(z.minLength(min));
/** A positive whole number (a port, a TTL), with its default. */
export const positiveInt = (fallback: number) => z._default(z.coerce.number().check(z.multipleOf(1), z.positive()), fallback);

/** Variables shared by the services that talk to PostgreSQL (runtime contract `DB_*`). */
export const dbEnv = {
  DB_WRITER_HOST: nonEmpty(),
  DB_READER_HOSTS: z.optional(z.string()),
  DB_PORT: positiveInt(5432),
  DB_NAME: nonEmpty(),
  DB_SECRET_ARN: nonEmpty(),
  DB_SSL: z._default(z.enum(['require', 'disable']), 'require'),
  // Lambda's own variable: it sizes the pools (one request at a time there, many in a container).
  AWS_LAMBDA_FUNCTION_NAME: z.optional(z.string()),
};

/** Variables of the services that use Redis (runtime contract `REDIS_*`). */
export const redisEnv = {
  REDIS_HOST: nonEmpty(),
  REDIS_PORT: positiveInt(6379),
  REDIS_TLS: z._default(z.enum(['true', 'false']), 'false'),
  REDIS_AUTH_SECRET_ARN: z.optional(z.string()),
};

export const tokenEnv = { TOKEN_SECRET_ARN: nonEmpty() };
