import type { Database } from '#shared/db.js';

export interface UserRecord {
  readonly id: string;
  readonly passwordHash: string;
}

/** Users in PostgreSQL. */
export interface UserRepository {
  /** The new user's id, or undefined when the email is taken. */
  create(email: string, passwordHash: string): Promise<string | undefined>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
}

export function pgUsers(db: Database): UserRepository {
  return {
    async create(email, passwordHash) {
      const { rows } = await db.primary((q) =>
        q.query<{ id: string }>('INSERT INTO users (email, password_hash) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING RETURNING id', [
          email,
          passwordHash,
        ]),
      );
      return rows[0]?.id;
    },
    async findByEmail(email) {
      // PostgreSQL text cannot hold U+0000 (the query would fail: a 500 for a login's 401), so no
      // account has such an email; found by Schemathesis.
      if (email.includes('\u0000')) return undefined;
      // The writer: a user who just registered must be able to log in at once.
      const { rows } = await db.primary((q) =>
        q.query<{ id: string; password_hash: string }>('SELECT id, password_hash FROM users WHERE email = $1', [email]),
      );
      return rows[0] && { id: rows[0].id, passwordHash: rows[0].password_hash };
    },
  };
}
