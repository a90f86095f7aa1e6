/**
 * `dashboard.trustedProxies`: X-Forwarded-For speaks for the user only from the configured proxy addresses (HAProxy in
 * HTTP mode in front of several dashboards), so the login limits and the audit log see the user, not the proxy, and
 * nobody else can pick the address they are counted under.
 */
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { tempDir } from '../helpers/stack.js';
import { buildDashboard } from './security-helpers.js';

/** A failed login from `localAddress`, with an X-Forwarded-For header. */
function failedLogin(port: number, localAddress: string, forwardedFor: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ username: 'khong-co', password: 'sai-mat-khau' });
    const req = http.request({
      host: '127.0.0.1', port, localAddress, method: 'POST', path: '/api/login',
      headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}`, 'x-forwarded-for': forwardedFor },
    }, (res) => { res.resume(); res.once('end', () => resolve(res.statusCode ?? 0)); });
    req.once('error', reject);
    req.end(body);
  });
}

describe('the dashboard believes X-Forwarded-For only from its trusted proxies', () => {
  const dir = tempDir();
  const clock = { now: () => Date.now() };
  let registry: RegistryStore;
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    registry = await openRegistryStore({ dataDir: dir });
    // The proxy is 127.0.0.2; the test's own loopback address 127.0.0.1 is then an ordinary client.
    app = await buildDashboard(registry, clock, { dataDir: dir, dashboard: { trustedProxies: ['127.0.0.2/32'], loginsPerAddressPerMin: 1000, loginsPerUserPerMin: 1000 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app?.close();
    await registry?.close();
  });

  it('a login through the trusted proxy is counted and audited under the user\'s address, one from elsewhere under its own', async () => {
    expect(await failedLogin(port, '127.0.0.2', '203.0.113.9')).toBe(401);
    expect(await failedLogin(port, '127.0.0.1', '198.51.100.7')).toBe(401);
    const addresses = (await registry.auditLog({})).entries.filter((e) => e.action === 'auth.login.failed').map((e) => (e.detail as { address: string }).address);
    expect(addresses.sort()).toEqual(['127.0.0.1', '203.0.113.9']);
  });

  it('an entry that is not an address or a CIDR range stops the dashboard at start, naming the option', async () => {
    await expect(buildDashboard(registry, clock, { dataDir: dir, dashboard: { trustedProxies: ['haproxy.local'] } }))
      .rejects.toMatchObject({ code: 'EDUFLEET_ERR_CONFIG_INVALID', message: /dashboard\.trustedProxies: 'haproxy\.local'/ });
  });
});
