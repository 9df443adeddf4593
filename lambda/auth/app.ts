import { AppError } from '#shared/errors.js';
import { createApp, jsonBody } from '#shared/http.js';
import { addHealth } from '#shared/health.js';
import { DUMMY_HASH, hashPassword, verifyPassword } from '#shared/passwords.js';
import type { TokenIssuer } from '#shared/tokens.js';
import { credentialsSchema, loginSchema } from '../../contract/auth.js';
import type { UserRepository } from './users.js';

export interface AuthDeps {
  readonly users: UserRepository;
  readonly tokens: TokenIssuer;
  readonly ping: () => Promise<unknown>;
}

export function authApp({ users, tokens, ping }: AuthDeps) {
  const app = createApp();
  addHealth(app, { database: ping });

  app.post('/auth/register', async (c) => {
    const { email, password } = await jsonBody(c, credentialsSchema);
    const userId = await users.create(email, await hashPassword(password));
    if (!userId) throw new AppError('EMAIL_TAKEN', 'An account with this email already exists');
    return c.json({ userId }, 201);
  });

  app.post('/auth/login', async (c) => {
    const { email, password } = await jsonBody(c, loginSchema);
    const user = await users.findByEmail(email);
    // Unknown emails still pay for one hash, so timing does not reveal which accounts exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) throw new AppError('INVALID_CREDENTIALS', 'Email or password is wrong');
    return c.json(await tokens.issue(user.id));
  });
  return app;
}
