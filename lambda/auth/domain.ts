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
