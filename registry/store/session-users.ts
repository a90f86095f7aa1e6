/** What a dashboard session needs to know of its user on every request, in one query. */
import { createHash } from 'node:crypto';
import type { Ctx } from './context.js';
import { user as userById } from './users.js';
import type { User } from '../types.js';

export interface SessionUser {
  user: User;
  /**
   * Changes whenever the password does (a digest of the stored hash, never the hash itself): a session keeps the
   * stamp it was created with, so a password change ends every other session of the user on every process.
   */
  stamp: string;
}

export async function sessionUser(c: Ctx, id: number): Promise<SessionUser | undefined> {
  const r = await c.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  const user = await userById(c, id);
  return user && { user, stamp: createHash('sha256').update(r.password_hash).digest('base64url').slice(0, 22) };
}
