import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { EdufleetError } from '../errors.js';
import { freePort } from '../net.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE, writePrivateFile } from '../private-files.js';
import { ensureAdminUser, readInfluxdCredentials, type InfluxCredentials } from './credentials.js';

function hasBinary(bin: string): boolean {
  return spawnSync(bin, ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * An influxd (1.x, Debian's `influxdb` package) that EduFleet runs itself: config and data under `dir`, HTTP and
 * RPC on free loopback ports, authentication on (credentials.ts), stopped with the process. Used by `start`/`demo`
 * when no InfluxDB URL is configured, and by the tests and benchmarks, which each get their own.
 */
export class ManagedInfluxd {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  port = 0;
  /** The admin credential every client of this server uses (the 0600 file in `dir`); set by `start`. */
  credentials: InfluxCredentials | undefined;

  /** `dataOptions`: extra `[data]` settings, e.g. shorter cold durations for a benchmark that needs compacted shards. */
  constructor(readonly dir: string, private readonly binary = 'influxd', private readonly dataOptions: Record<string, string> = {}) {}

  /** Whether the server this object started is still running (false before start, after stop, after a crash). */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    if (this.child) return this.url;
    if (!hasBinary(this.binary)) {
      throw new EdufleetError('EDUFLEET_ERR_INFLUX_MISSING', `'${this.binary}' was not found: run \`npm run setup\` (it installs the Debian package influxdb), or set EDUFLEET_INFLUX_URL to an InfluxDB server`);
    }
    ensurePrivateDir(this.dir);
    // Keep the port across restarts, so a client configured with the URL finds the server again.
    if (this.port === 0) this.port = await freePort();
    const rpcPort = await freePort();
    const conf = path.join(this.dir, 'influxdb.conf');
    writePrivateFile(conf, [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]', `  dir = "${path.join(this.dir, 'meta')}"`, '  logging-enabled = false',
      '[data]', `  dir = "${path.join(this.dir, 'data')}"`, `  wal-dir = "${path.join(this.dir, 'wal')}"`, '  query-log-enabled = false',
      ...Object.entries(this.dataOptions).map(([k, v]) => `  ${k} = ${v}`),
      '[http]', `  bind-address = "127.0.0.1:${this.port}"`, '  auth-enabled = true', '  log-enabled = false', '  max-body-size = 0',
      '[monitor]', '  store-enabled = false',
      '[continuous_queries]', '  log-enabled = false',
      '[logging]', '  level = "warn"',
      '',
    ].join('\n'));
    const logFd = openSync(path.join(this.dir, 'influxd.log'), 'a', PRIVATE_FILE_MODE);
    // Its own process group: a Ctrl-C in the terminal must reach EduFleet only, which then writes out its spool
    // before it stops influxd itself.
    let child: ChildProcess;
    try {
      child = spawn(this.binary, ['-config', conf], { stdio: ['ignore', logFd, logFd], detached: true });
    } finally {
      closeSync(logFd);
    }
    this.child = child;
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    // A spawn that fails (EMFILE, EAGAIN) is an 'error' event, not a throw: without a listener it would end EduFleet.
    let spawnError: Error | undefined;
    this.exited = new Promise((resolve) => {
      const done = () => { process.off('exit', killOnExit); resolve(); };
      child.once('exit', done);
      child.once('error', (err) => { spawnError = err; done(); });
    });
    const deadline = Date.now() + 30_000;
    let answered = false;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || spawnError) break;
      try {
        answered = (await fetch(`${this.url}/ping`)).status === 204;
        if (answered) break;
      } catch {
        // not listening yet
      }
      await delay(50);
    }
    if (answered) {
      // `/ping` needs no credential; everything else does from here on.
      try {
        this.credentials = await ensureAdminUser(this.url, this.dir);
      } catch (err) {
        await this.stop();
        throw err;
      }
      // Other EduFleet commands on this data directory (the CLI) find the running server here.
      writePrivateFile(path.join(this.dir, 'url'), this.url);
      return this.url;
    }
    await this.stop();
    if (spawnError) throw new EdufleetError('EDUFLEET_ERR_INFLUX_START', `influxd could not be started: ${spawnError.message}`, { cause: spawnError });
    throw new EdufleetError('EDUFLEET_ERR_INFLUX_START', `influxd did not answer on ${this.url} within 30 s; see ${path.join(this.dir, 'influxd.log')}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    rmSync(path.join(this.dir, 'url'), { force: true });
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(killer);
    }
  }
}

/** The URL and credential of the managed influxd a running EduFleet started in `dir`, if it answers. */
export async function runningInfluxd(dir: string): Promise<({ url: string } & InfluxCredentials) | undefined> {
  let url: string;
  try {
    url = readFileSync(path.join(dir, 'url'), 'utf8').trim();
  } catch {
    return undefined;
  }
  try {
    if ((await fetch(`${url}/ping`)).status !== 204) return undefined;
  } catch {
    return undefined;
  }
  // A server started by a version without authentication has no file: it takes requests without a credential.
  return { url, ...(readInfluxdCredentials(dir) ?? { username: '', password: '' }) };
}
