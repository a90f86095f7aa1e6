import { createHash } from 'node:crypto';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Session } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistrySessionStore } from '../../dashboard/server/session-store.js';
import { openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { tempDir } from '../helpers/stack.js';
import { buildDashboard } from './security-helpers.js';

describe('the registry session store', () => {
  const dir = tempDir('edufleet-session-store-');
  let registry: RegistryStore;

  beforeAll(async () => {
    registry = await openRegistryStore({ dataDir: dir });
  });
  afterAll(async () => {
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands a corrupt session row to the callback as an error, once', async () => {
    await registry.sessionSet('hong', '{not json', Date.now() + 60_000);
    const store = new RegistrySessionStore(registry, 60_000);
    const answers: { err: Error | null; session?: Session | null }[] = [];
    await new Promise<void>((resolve) => store.get('hong', (err, session) => {
      answers.push({ err, session });
      resolve();
    }));
    expect(answers).toHaveLength(1);
    expect(answers[0]!.err).toBeInstanceOf(SyntaxError);
  });

  it('reads back a session it stored', async () => {
    const store = new RegistrySessionStore(registry, 60_000);
    const session = { cookie: { expires: new Date(Date.now() + 60_000) }, userId: 7 } as unknown as Session;
    await new Promise<void>((resolve, reject) => store.set('tot', session, (err) => (err ? reject(err) : resolve())));
    const read = await new Promise<Session | null | undefined>((resolve, reject) => store.get('tot', (err, s) => (err ? reject(err) : resolve(s))));
    expect(read).toMatchObject({ userId: 7 });
  });

  it('keeps no session id in the registry after a login, only its SHA-256, and still finds the session by the id', async () => {
    await registry.addUser({ username: 'gv.hoa', password: 'mật-khẩu-đủ-dài', role: 'viewer' });
    const app = await buildDashboard(registry, { now: () => Date.now() }, { dataDir: dir });
    try {
      const res = await app.inject({ method: 'POST', url: '/api/login', headers: { origin: 'http://localhost' }, payload: { username: 'gv.hoa', password: 'mật-khẩu-đủ-dài' } });
      expect(res.statusCode).toBe(200);
      // The cookie is the session id signed: `<id>.<signature>`.
      const cookie = decodeURIComponent(res.cookies.find((c) => c.name === 'edufleet.sid')!.value);
      const sid = cookie.slice(0, cookie.lastIndexOf('.'));
      expect(sid.length).toBeGreaterThan(20);
      const db = new Database(join(dir, 'registry.sqlite'), { readonly: true });
      const rows = db.prepare('SELECT sid, data FROM sessions').all() as { sid: string; data: string }[];
      db.close();
      expect(rows.map((r) => r.sid)).toContain(createHash('sha256').update(sid).digest('base64url'));
      for (const r of rows) expect(`${r.sid} ${r.data}`).not.toContain(sid);
      expect(JSON.parse((await registry.sessionGet(sid))!)).toMatchObject({ userId: expect.any(Number) });
      const me = await app.inject({ url: '/api/me', cookies: { 'edufleet.sid': cookie } });
      expect(me.json()).toMatchObject({ username: 'gv.hoa' });
    } finally {
      await app.close();
    }
  });

  it('deletes the sessions an older version stored under their clear ids when the registry is upgraded', async () => {
    // A data directory of an old version (schema 5, test/registry/store-migration.test.ts) with one clear session.
    const old = tempDir('edufleet-session-upgrade-');
    cpSync(fileURLToPath(new URL('../fixtures/old-data-dir', import.meta.url)), old, { recursive: true });
    const db = new Database(join(old, 'registry.sqlite'));
    db.prepare('INSERT INTO sessions (sid, data, expires_at) VALUES (?, ?, ?)').run('id-ro-rang', '{"userId":1}', Date.now() + 60_000);
    db.close();
    const upgraded = await openRegistryStore({ dataDir: old });
    try {
      expect(await upgraded.sessionCount()).toBe(0);
      expect(await upgraded.sessionGet('id-ro-rang')).toBeUndefined();
    } finally {
      await upgraded.close();
      rmSync(old, { recursive: true, force: true });
    }
  });
});
