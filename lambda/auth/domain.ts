import { z } from 'zod';

/** Credentials as accepted by register and login: emails are compared lower-cased. */
export const credentialsSchema = z.object({
  email: z
    .email('must be a valid email address')
    .max(254)
    .transform((e) => e.toLowerCase()),
  password: z.string().min(8, 'must be at least 8 characters').max(256),
});
export type Credentials = z.infer<typeof credentialsSchema>;

/**
 * Login checks presence only: the rules of a new password say nothing about an old one, and a
 * wrong password of any length (or an email that is no account) is the same 401.
 */
export const loginSchema = z.object({
  email: z
    .string('is required')
    .min(1, 'is required')
    .max(254)
    .transform((e) => e.toLowerCase()),
  password: z.string('is required').min(1, 'is required').max(256),
});
