import * as z from 'zod/mini';

/** The auth service's requests (see `schemas.ts` for what belongs in a contract schema). */

/** Credentials of a new account: emails are compared lower-cased. */
export const credentialsSchema = z.object({
  email: z.email('must be a valid email address').check(z.maxLength(254), z.toLowerCase()),
  // The upper bound keeps a slow KDF from being fed megabytes.
  password: z.string().check(z.minLength(8, 'must be at least 8 characters'), z.maxLength(256)),
});
export type Credentials = z.infer<typeof credentialsSchema>;

/**
 * Login checks presence only: the rules of a new password say nothing about an old one, and a
 * wrong password of any length (or an email that is no account) is the same 401.
 */
export const loginSchema = z.object({
  email: z.string('is required').check(z.minLength(1, 'is required'), z.maxLength(254), z.toLowerCase()),
  password: z.string('is required').check(z.minLength(1, 'is required'), z.maxLength(256)),
});
