/** Users (roles, scopes, disabling) and the dashboard's login sessions, shared by every dashboard process. */
import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import { hashSecret, PASSWORD_COST, verifySecret } from '../secrets.js';
import { ROLES, type Role, type Scope, type User } from '../types.js';
import { conflictOr, invalid, notFound, type Ctx } from './context.js';
import type { UsersTable } from './schema.js';

const toUser = (r: Selectable<UsersTable>): User => ({
  id: r.id, username: r.username, displayName: r.display_name, role: r.role as Role, scope: JSON.parse(r.scope) as Scope,
  disabled: r.disabled_at != null, createdAt: r.created_at,
});

export async function addUser(c: Ctx, u: { username: string; password: string; role: Role; scope?: Scope; displayName?: string }): Promise<User> {
  if (!ROLES.includes(u.role)) throw invalid(`unknown role '${u.role}'; known: ${ROLES.join(', ')}`);
  if (u.password.length < 8) throw invalid('a password needs at least 8 characters');
  const hash = await hashSecret(u.password, PASSWORD_COST);
  try {
    await c.db.insertInto('users').values({
      username: u.username, display_name: u.displayName ?? u.username, password_hash: hash, role: u.role, scope: JSON.stringify(u.scope ?? {}), created_at: Date.now(),
    }).execute();
  } catch (err) { conflictOr(err, `user '${u.username}' already exists`); }
  return (await userByName(c, u.username))!;
}

export async function users(c: Ctx): Promise<User[]> {
  return (await c.db.selectFrom('users').selectAll().orderBy('username').execute()).map(toUser);
}

/** Changes a user's name, role, scope, password or disabled flag; a disabled user's sessions stop working at once. */
export async function updateUser(c: Ctx, id: number, patch: { displayName?: string; role?: Role; scope?: Scope; password?: string; disabled?: boolean }): Promise<User> {
  if (patch.role !== undefined && !ROLES.includes(patch.role)) throw invalid(`unknown role '${patch.role}'; known: ${ROLES.join(', ')}`);
  if (patch.password !== undefined && patch.password.length < 8) throw invalid('a password needs at least 8 characters');
  if (!(await user(c, id))) throw notFound(`no user with id ${id}`);
  const hash = patch.password === undefined ? undefined : await hashSecret(patch.password, PASSWORD_COST);
  const set = {
    display_name: patch.displayName, role: patch.role, scope: patch.scope === undefined ? undefined : JSON.stringify(patch.scope), password_hash: hash,
    disabled_at: patch.disabled === undefined ? undefined : patch.disabled ? Date.now() : null,
  };
  if (Object.values(set).some((v) => v !== undefined)) await c.db.updateTable('users').set(set).where('id', '=', id).execute();
  return (await user(c, id))!;
}

export async function setPassword(c: Ctx, username: string, password: string): Promise<void> {
  const hash = await hashSecret(password, PASSWORD_COST);
  await c.db.updateTable('users').set({ password_hash: hash }).where('username', '=', username).execute();
}

export async function userByName(c: Ctx, username: string): Promise<User | undefined> {
  const r = await c.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  return r && toUser(r);
}

export async function user(c: Ctx, id: number): Promise<User | undefined> {
  const r = await c.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toUser(r);
}

export async function verifyUser(c: Ctx, username: string, password: string): Promise<User | undefined> {
  const r = await c.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  if (!r) return undefined;
  // A disabled account verifies nothing, with the same answer as a wrong password.
  return (await verifySecret(password, r.password_hash)) && r.disabled_at == null ? toUser(r) : undefined;
}

/**
 * What the `sessions` table is keyed by: a SHA-256 of the session id, never the id itself, so a copy of the registry
 * (a backup, a read-only SQL account, an SQL injection elsewhere) yields no cookie to log in with. Callers keep
 * passing the raw id. Unsalted and fast on purpose: the id is 24 random bytes (192 bits) from @fastify/session, so there is
 * nothing to guess, and every process must find the same row.
 */
export const sessionKey = (sid: string): string => createHash('sha256').update(sid).digest('base64url');

export async function sessionGet(c: Ctx, sid: string): Promise<string | undefined> {
  const r = await c.db.selectFrom('sessions').select('data').where('sid', '=', sessionKey(sid)).where('expires_at', '>', Date.now()).executeTakeFirst();
  return r?.data;
}

export async function sessionSet(c: Ctx, sid: string, data: string, expiresAt: number): Promise<void> {
  await c.db.insertInto('sessions').values({ sid: sessionKey(sid), data, expires_at: expiresAt })
    .onConflict((oc) => oc.column('sid').doUpdateSet((eb) => ({ data: eb.ref('excluded.data'), expires_at: eb.ref('excluded.expires_at') }))).execute();
}

export async function sessionDestroy(c: Ctx, sid: string): Promise<void> {
  await c.db.deleteFrom('sessions').where('sid', '=', sessionKey(sid)).execute();
}

/** Deletes expired sessions; returns how many. */
export async function sessionPurge(c: Ctx, now = Date.now()): Promise<number> {
  return Number((await c.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst()).numDeletedRows);
}

/** How many sessions are stored (expired ones included until purged). */
export async function sessionCount(c: Ctx): Promise<number> {
  return Number((await c.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
}
