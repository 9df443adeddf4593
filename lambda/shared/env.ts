import { z } from 'zod';

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
export function loadEnv<T extends z.ZodRawShape>(shape: T, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => {
      const name = i.path.join('.');
      return env[name] === undefined ? `${name} is not set` : `${name}: ${i.message}`;
    }),
  );
}

/** Variables shared by the services that talk to PostgreSQL (runtime contract `DB_*`). */
export const dbEnv = {
  DB_WRITER_HOST: z.string().min(1),
  DB_READER_HOSTS: z.string().optional(),
  DB_PORT: z.coerce.number().int().positive().default(5432),
  DB_NAME: z.string().min(1),
  DB_SECRET_ARN: z.string().min(1),
  DB_SSL: z.enum(['require', 'disable']).default('require'),
  // Lambda's own variable: it sizes the pools (one request at a time there, many in a container).
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
};

/** Variables of the services that use Redis (runtime contract `REDIS_*`). */
export const redisEnv = {
  REDIS_HOST: z.string().min(1),
  REDIS_PORT: z.coerce.number().int().positive().default(6379),
  REDIS_TLS: z.enum(['true', 'false']).default('false'),
  REDIS_AUTH_SECRET_ARN: z.string().optional(),
};

export const tokenEnv = { TOKEN_SECRET_ARN: z.string().min(1) };
