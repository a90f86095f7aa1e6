/**
 * The web app's defences (docs/security.md, "Web application"), against real listeners: login limits (per address,
 * per user and address, per user across addresses with loopback exempt) and the dummy verify, failed logins recorded
 * without the name typed, CSRF (origin and JSON-only bodies), headers (CSP, HSTS over HTTPS with an openssl certificate),
 * sessions ended by a password change or a disabled user (HTTP and Socket.IO, on this process and on another one
 * sharing the registry), the absolute lifetime on a controlled clock, /metrics, no-store, deny by default.
 */
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRow } from '../../api/index.js';
import { dummyVerifyCount } from '../../dashboard/server/security/index.js';
import { createLogger } from '../../lib/logger.js';
import { openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { captureLog } from '../helpers/log.js';
import { seedSchool, tempDir } from '../helpers/stack.js';
import { ApiClient, connectSocket } from './client.js';
import { buildDashboard, httpsRequest, makeCertificate } from './security-helpers.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const HOUR = 3_600_000;

describe('web hardening', () => {
  const dir = tempDir();
  let t = Date.parse('2026-03-02T01:00:00Z');
  const clock = { now: () => t };
  let registry: RegistryStore;
  let other: RegistryStore;
  let app: FastifyInstance;
  let second: FastifyInstance;
  let limited: FastifyInstance;
  let limitedToo: FastifyInstance;
  let base: string;
  let secondBase: string;
  let users: Record<string, number>;
  const logged = captureLog();

  beforeAll(async () => {
    registry = await openRegistryStore({ dataDir: dir });
    other = await openRegistryStore({ dataDir: dir });
    const dashboard = { sessionMaxAgeH: 8, metricsToken: 'do-luong-0123456789abcdef', loginsPerAddressPerMin: 1000, loginsPerUserPerMin: 1000, loginsPerUserAnyAddressPerMin: 1000 };
    app = await buildDashboard(registry, clock, { dataDir: dir, dashboard: { ...dashboard, host: '0.0.0.0' } });
    // Another dashboard process on the same registry: its sockets learn of a revocation by their periodic check.
    second = await buildDashboard(other, clock, { dataDir: dir, dashboard });
    const limits = { loginsPerAddressPerMin: 4, loginsPerUserPerMin: 3, loginsPerUserAnyAddressPerMin: 6 };
    limited = await buildDashboard(registry, clock, { dataDir: dir, dashboard: limits }, createLogger('info', 'edufleet', logged));
    // A second process with the same limits on the same registry: the counts are the registry's, not a process's.
    limitedToo = await buildDashboard(other, clock, { dataDir: dir, dashboard: limits });
    await app.listen({ host: '0.0.0.0', port: 0 });
    await second.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    secondBase = `http://127.0.0.1:${(second.server.address() as { port: number }).port}`;
    users = {};
    for (const [username, role] of [['admin', 'admin'], ['gv.an', 'viewer'], ['gv.binh', 'viewer'], ['gv.cuong', 'viewer'], ['kt.dung', 'technician']] as const) {
      users[username] = (await registry.addUser({ username, password: PASSWORD, role })).id;
    }
  });
  afterAll(async () => {
    for (const a of [app, second, limited, limitedToo]) await a?.close();
    await registry?.close();
    await other?.close();
  });

  const login = async (username: string, on = base) => {
    const c = new ApiClient(on);
    await c.login(username, PASSWORD);
    return c;
  };
  const tryLogin = (username: string, remoteAddress: string, password = 'sai-mật-khẩu', on = limited) =>
    on.inject({ method: 'POST', url: '/api/login', remoteAddress, headers: { origin: 'http://localhost' }, payload: { username, password } });

  it('slows a password guesser per address, and per user name from one address, with 429 and Retry-After', async () => {
    for (let i = 0; i < 4; i++) expect((await tryLogin(`khong-co-${i}`, '203.0.113.10')).statusCode).toBe(401);
    const fifth = await tryLogin('khong-co-9', '203.0.113.10');
    expect(fifth.statusCode).toBe(429);
    expect(fifth.json()).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_RATE_LIMITED' });
    expect(Number(fifth.headers['retry-after'])).toBeGreaterThan(0);
    // One user name from one address: the fourth attempt there is refused, even with the right password...
    for (let i = 0; i < 3; i++) expect((await tryLogin('gv.an', '198.51.100.1')).statusCode).toBe(401);
    const fourth = await tryLogin('gv.an', '198.51.100.1', PASSWORD);
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json()).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_RATE_LIMITED' });
    // ...while the real user, at another address, is not locked out by the guesser.
    expect((await tryLogin('gv.an', '198.51.100.2', PASSWORD)).statusCode).toBe(200);
    // Another user from a fresh address is not affected.
    expect((await tryLogin('gv.binh', '198.51.100.5', PASSWORD)).statusCode).toBe(200);
  });

  it('caps one user name across all addresses, except from loopback, the admin\'s way in', async () => {
    // Guessers at two addresses, three tries each (within the per-address limits): the account's cap of 6 is reached.
    for (const a of ['198.51.100.20', '198.51.100.21']) for (let i = 0; i < 3; i++) expect((await tryLogin('gv.cuong', a)).statusCode).toBe(401);
    const elsewhere = await tryLogin('gv.cuong', '198.51.100.22', PASSWORD);
    expect(elsewhere.statusCode).toBe(429);
    expect(elsewhere.json()).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_RATE_LIMITED' });
    // From loopback (an SSH tunnel to the dashboard's host) the cap does not apply; the per-address limits still do.
    expect((await tryLogin('gv.cuong', '127.0.0.1', PASSWORD)).statusCode).toBe(200);
  });

  it('counts the limits in the registry, so a guesser spread over two dashboard processes is slowed alike', async () => {
    expect((await tryLogin('ten-doan', '192.0.2.1')).statusCode).toBe(401);
    expect((await tryLogin('ten-doan', '192.0.2.1', undefined, limitedToo)).statusCode).toBe(401);
    expect((await tryLogin('ten-doan', '192.0.2.1')).statusCode).toBe(401);
    const fourth = await tryLogin('ten-doan', '192.0.2.1', undefined, limitedToo);
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json()).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_RATE_LIMITED' });
    // The counters' keys hold an HMAC of the name typed, not the name.
    const db = new Database(join(dir, 'registry.sqlite'), { readonly: true });
    const keys = db.prepare('SELECT key FROM rate_limits').pluck().all() as string[];
    db.close();
    expect(keys.filter((k) => k.startsWith('user:')).length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toContain('ten-doan');
  });

  it('does the same password work for an unknown user as for a known one, and records failures without the name typed', async () => {
    const before = dummyVerifyCount();
    const unknown = await tryLogin('ai-do-khong-ton-tai', '192.0.2.50');
    expect(dummyVerifyCount()).toBe(before + 1);
    const known = await tryLogin('kt.dung', '192.0.2.51');
    expect(dummyVerifyCount()).toBe(before + 1);
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(unknown.json()).toEqual(known.json());
    // The audit row and the log line say that a login failed, from where, and the account when the name is real.
    const log = await registry.auditLog({ limit: 500, offset: 0 });
    const failed = log.entries.filter((e) => e.action === 'auth.login.failed' && ['192.0.2.50', '192.0.2.51'].includes((e.detail as { address?: string }).address ?? ''));
    expect(failed).toEqual(expect.arrayContaining([
      expect.objectContaining({ byUser: 'anonymous', entityId: String(users['kt.dung']), detail: { address: '192.0.2.51', userId: users['kt.dung'] } }),
      expect.objectContaining({ byUser: 'anonymous', entityId: '', detail: { address: '192.0.2.50' } }),
    ]));
    const lines = logged.lines().filter((l) => l.msg === 'failed dashboard login' && ['192.0.2.50', '192.0.2.51'].includes(l.address as string));
    expect(lines).toEqual([{ ...lines[0], address: '192.0.2.50' }, { ...lines[1], address: '192.0.2.51', userId: users['kt.dung'] }]);
    for (const trace of [...failed, ...lines].map((x) => JSON.stringify(x))) expect(trace).not.toContain('kt.dung');
    // Nor any other line of that dashboard's log (request logs, errors): not the name typed, not the password.
    const all = JSON.stringify([...failed, ...logged.lines()]);
    expect(all).not.toContain('ai-do-khong-ton-tai');
    expect(all).not.toContain('sai-mật-khẩu');
  });

  it('refuses a cross-origin POST, one without Origin, and form or text bodies; accepts an allowed origin', async () => {
    const admin = await login('admin');
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${base}/api/users`, { method: 'POST', headers: { cookie: admin.cookie, ...headers }, body });
    const json = JSON.stringify({ username: 'moi.nguoi', password: PASSWORD, role: 'viewer' });
    const evil = await post({ origin: 'https://evil.example', 'content-type': 'application/json' }, json);
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ code: 'EDUFLEET_ERR_WEB_ORIGIN' });
    expect((await post({ 'content-type': 'application/json' }, json)).status).toBe(403);
    expect((await post({ referer: 'https://evil.example/page', 'content-type': 'application/json' }, json)).status).toBe(403);
    const form = await post({ origin: base, 'content-type': 'application/x-www-form-urlencoded' }, 'username=moi.nguoi');
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ code: 'EDUFLEET_ERR_WEB_MEDIA_TYPE' });
    expect((await post({ origin: base, 'content-type': 'text/plain' }, json)).status).toBe(415);
    expect(await registry.userByName('moi.nguoi')).toBeUndefined();
    // Socket.IO bypasses Fastify's hooks: its own check refuses a browser on another site.
    await expect(connectSocket(base, admin.cookie, 'https://evil.example')).rejects.toThrow();
    (await connectSocket(base, admin.cookie, base)).close();
    // Same origin through the Referer of an older browser: accepted.
    expect((await post({ referer: `${base}/users`, 'content-type': 'application/json' }, json)).status).toBe(201);
    const proxied = await buildDashboard(registry, clock, { dataDir: dir, dashboard: { allowedOrigins: ['https://edufleet.sogddt.example'] } });
    try {
      const res = await proxied.inject({ method: 'POST', url: '/api/logout', headers: { origin: 'https://edufleet.sogddt.example' } });
      expect(res.statusCode).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('sends a strict CSP, frame-ancestors none, nosniff and a referrer policy, and no HSTS over plain HTTP', async () => {
    const res = await fetch(`${base}/api/me`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('serves HTTPS with the given certificate, with HSTS and Secure cookies', async () => {
    const cert = makeCertificate(tempDir('edufleet-tls-'));
    const tls = await buildDashboard(registry, clock, { dataDir: dir, dashboard: { tlsCertFile: cert.cert, tlsKeyFile: cert.key } });
    try {
      await tls.listen({ host: '127.0.0.1', port: 0 });
      const url = `https://127.0.0.1:${(tls.server.address() as { port: number }).port}`;
      const res = await httpsRequest(`${url}/healthz`, cert.ca);
      expect(res.status).toBe(200);
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      const logged = await httpsRequest(`${url}/api/login`, cert.ca, {
        method: 'POST', headers: { origin: url, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'kt.dung', password: PASSWORD }),
      });
      expect(logged.status).toBe(200);
      expect(String(logged.headers['set-cookie'])).toMatch(/; Secure/i);
      expect(String(logged.headers['set-cookie'])).toMatch(/HttpOnly/i);
    } finally {
      await tls.close();
    }
  });

  it('ends the other sessions and their sockets when a password changes (here and on another process)', async () => {
    const admin = await login('admin');
    const adminElsewhere = await login('admin');
    const an = await login('gv.an');
    const anOnSecond = await login('gv.an', secondBase);
    const socket = await connectSocket(base, an.cookie);
    const adminSocket = await connectSocket(base, adminElsewhere.cookie);
    const remoteSocket = await connectSocket(secondBase, anOnSecond.cookie);
    const gone = (s: typeof socket) => new Promise<void>((resolve) => s.on('disconnect', () => resolve()));
    const [anGone, adminGone, remoteGone] = [gone(socket), gone(adminSocket), gone(remoteSocket)];

    expect((await admin.request('PATCH', `/api/users/${users['gv.an']}`, { password: 'mật-khẩu-mới-đủ-dài' })).status).toBe(200);
    await anGone; // at once: this process
    expect((await an.request('GET', '/api/me')).status).toBe(401);
    await remoteGone; // the other process, by its periodic check
    expect((await anOnSecond.request('GET', '/api/me')).status).toBe(401);

    // An admin changing their own password keeps this session and ends the other one.
    expect((await admin.request('PATCH', `/api/users/${users.admin}`, { password: 'mật-khẩu-admin-mới' })).status).toBe(200);
    await adminGone;
    expect((await adminElsewhere.request('GET', '/api/me')).status).toBe(401);
    expect((await admin.request('GET', '/api/me')).status).toBe(200);
    await registry.setPassword('admin', PASSWORD);
    await registry.setPassword('gv.an', PASSWORD);
  });

  it('ends a disabled user\'s sessions and sockets, and audits logins and logouts', async () => {
    const admin = await login('admin');
    const cuong = await login('gv.cuong');
    const socket = await connectSocket(base, cuong.cookie);
    const gone = new Promise<void>((resolve) => socket.on('disconnect', () => resolve()));
    expect((await admin.request('PATCH', `/api/users/${users['gv.cuong']}`, { disabled: true })).status).toBe(200);
    await gone;
    expect((await cuong.request('GET', '/api/me')).status).toBe(401);
    await expect(connectSocket(base, cuong.cookie)).rejects.toThrow();
    expect((await admin.request('POST', '/api/logout')).status).toBe(200);
    const log = await registry.auditLog({ byUser: 'admin', limit: 500, offset: 0 });
    const actions = log.entries.map((e) => e.action);
    expect(actions).toContain('auth.login');
    expect(actions).toContain('auth.logout');
    expect(log.entries.find((e) => e.action === 'auth.login')?.detail).toMatchObject({ address: expect.any(String) });
  });

  it('ends a session at its absolute lifetime whatever the activity', async () => {
    const binh = await login('gv.binh');
    for (let h = 1; h < 8; h++) {
      t += HOUR;
      expect((await binh.request('GET', '/api/me')).status).toBe(200);
    }
    t += HOUR;
    expect((await binh.request('GET', '/api/me')).status).toBe(401);
  });

  it('answers /metrics on loopback or with the token only', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    const address = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    const port = (app.server.address() as { port: number }).port;
    // From another address of this machine (the peer is then not loopback), or as injected from afar when none.
    const get = (headers: Record<string, string> = {}) => address
      ? fetch(`http://${address}:${port}/metrics`, { headers }).then((r) => r.status)
      : app.inject({ url: '/metrics', remoteAddress: '203.0.113.9', headers }).then((r) => r.statusCode);
    expect(await get()).toBe(401);
    expect(await get({ authorization: 'Bearer sai' })).toBe(401);
    expect(await get({ authorization: 'Bearer do-luong-0123456789abcdef' })).toBe(200);
  });

  it('never lets a cache keep a secret: login, me, device credentials', async () => {
    const { room } = await seedSchool(registry);
    const device = (await registry.addDevice({ kind: 'board', roomId: room.id, name: 'Bảng' })).device;
    const admin = new ApiClient(base);
    const logged = await admin.request('POST', '/api/login', { username: 'admin', password: PASSWORD });
    expect(logged.headers.get('cache-control')).toBe('no-store');
    expect((await admin.request('GET', '/api/me')).headers.get('cache-control')).toBe('no-store');
    const creds = await admin.request('POST', `/api/devices/${device.id}/credentials`);
    expect(creds.status).toBe(200);
    expect(creds.headers.get('cache-control')).toBe('no-store');
    expect((await admin.get<UserRow[]>('/api/users')).length).toBeGreaterThan(0);
  });
});

describe('deny by default', () => {
  it('refuses to start when a route declares no access, naming the route', async () => {
    const dir = tempDir();
    const registry = await openRegistryStore({ dataDir: dir });
    try {
      const app = await buildDashboard(registry, { now: () => Date.now() }, { dataDir: dir });
      await expect(app.register(async (child) => {
        child.get('/api/sans-declaration', async () => ({ ok: true }));
      })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_WEB_ROUTE_ACCESS', message: expect.stringContaining('GET /api/sans-declaration') });
      await app.close().catch(() => {});
    } finally {
      await registry.close();
    }
  });
});
