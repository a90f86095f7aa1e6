/**
 * A real PostgreSQL 15 for tests: initdb and pg_ctl as user postgres on a temporary directory, a free port, the
 * socket in the directory, fsync off. One server per test file; `createDatabase()` gives each test a fresh database.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../lib/net.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  port: number;
  /** A new empty database; returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

async function asPostgres(cmd: string, args: string[]): Promise<void> {
  await run('runuser', ['-u', 'postgres', '--', path.join(BIN, cmd), ...args], { timeout: 60_000 });
}

export async function startPostgres(): Promise<TestPostgres> {
  if (!existsSync(path.join(BIN, 'pg_ctl'))) {
    throw new Error(`PostgreSQL 15 is not installed (${BIN}/pg_ctl missing): run \`npm run setup\`, which installs the Debian package postgresql`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-pg-'));
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  const data = path.join(dir, 'data');
  const port = await freePort();
  try {
    await asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off`;
    await asPostgres('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let n = 0;
  return {
    port,
    async createDatabase() {
      const name = `edufleet_${process.pid}_${++n}`;
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
      await client.connect();
      try { await client.query(`CREATE DATABASE ${name}`); } finally { await client.end(); }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
