import * as z from 'zod/mini';

/** The auth service's requests (see `schemas.ts` for what belongs in a contract schema). */

/** Credentials of a new account: emails are compared lower-cased. */
export const credentialsSchema = z.object({
  // zod's email pattern, without `format: email`: the pattern is the whole rule, while a JSON
  // Schema `email` format promises RFC 5321 limits (64-character local part) the service never checked.
  email: z
    .string('must be a valid email address')
    .check(z.regex(z.regexes.email, 'must be a valid email address'), z.maxLength(254), z.toLowerCase()),
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
