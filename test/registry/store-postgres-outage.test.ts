import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/net.js';
import { openRegistryStore, type RegistryStore } from '../../registry/store/index.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

let server: TestPostgres;
beforeAll(async () => { server = await startPostgres(); });
afterAll(async () => { await server?.stop(); });

function capture() {
  const lines: { msg: string; url?: string }[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString()) as { msg: string }); done(); } });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('the registry on PostgreSQL when connections fail', () => {
  it('survives its idle connections being killed and reconnects on the next call', async () => {
    const url = await server.createDatabase();
    const { log, lines } = capture();
    const store: RegistryStore = await openRegistryStore({ url, dataDir: '/nonexistent', log });
    try {
      await store.ensureDistrict({ code: 'D1', name: 'Huyện 1' });
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
        expect(rowCount).toBeGreaterThan(0);
      } finally { await admin.end(); }
      // The killed idle client reports on the pool: logged, not an uncaught exception (vitest would fail the run).
      const warning = await waitFor('the lost-connection warning', () => lines.find((l) => /connection was lost/.test(l.msg)));
      expect(warning.url).toBe(url);
      expect((await store.districts()).map((d) => d.code)).toEqual(['D1']);
    } finally { await store.close(); }
  });

  it('refuses an unreachable URL with a coded error naming it without the password', async () => {
    const url = `postgres://edufleet:bi-mat@127.0.0.1:${await freePort()}/edufleet`;
    const err = await openRegistryStore({ url, dataDir: '/nonexistent', log: capture().log }).then(() => new Error('opened'), (e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_UNAVAILABLE' });
    expect(err.message).toContain(`registry.url postgres://edufleet:***@127.0.0.1:`);
    expect(err.message).not.toContain('bi-mat');
  });
});
