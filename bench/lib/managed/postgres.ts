/**
 * A real PostgreSQL for tests and benchmarks (the highest version installed, as scripts/setup.sh finds it): initdb and pg_ctl on a
 * temporary directory, as user postgres when run as root (the server refuses to run as root), a free port, the
 * socket in the directory, fsync off. One server per test file; `createDatabase()` gives each test a fresh database.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../../lib/net.js';

const run = promisify(execFile);
const ROOT = '/usr/lib/postgresql';

/** `/usr/lib/postgresql/<highest version>/bin` (the glob scripts/setup.sh checks), else where `pg_config` says. */
async function binDir(): Promise<string | undefined> {
  const versions = existsSync(ROOT) ? readdirSync(ROOT).filter((v) => existsSync(path.join(ROOT, v, 'bin', 'pg_ctl'))) : [];
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  if (versions[0]) return path.join(ROOT, versions[0], 'bin');
  const dir = await run('pg_config', ['--bindir']).then((r) => r.stdout.trim(), () => '');
  return dir && existsSync(path.join(dir, 'pg_ctl')) ? dir : undefined;
}

export interface TestPostgres {
  port: number;
  /** A new empty database; returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

const isRoot = process.getuid?.() === 0;

/** Root hands the server to user postgres; anyone else runs it as themselves. */
async function pgRun(bin: string, cmd: string, args: string[]): Promise<void> {
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
  await run(file, argv, { timeout: 60_000 });
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = await binDir();
  if (!bin) {
    throw new Error(`PostgreSQL is not installed (no ${ROOT}/*/bin/pg_ctl, no pg_config): run \`npm run setup\`, which installs the Debian package postgresql`);
  }
  const asPostgres = (cmd: string, args: string[]) => pgRun(bin, cmd, args);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-pg-'));
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
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
