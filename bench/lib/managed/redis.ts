/**
 * A real Redis for tests and benchmarks (Debian's redis-server, installed by `npm run setup`): its own process on a free loopback
 * port in a temporary directory, nothing persisted. `stop()` and `start()` again keep the port, so a test can take
 * Redis away and give it back to the same URL.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../lib/net.js';
import { waitFor } from '../procs.js';

export interface TestRedis {
  port: number;
  url: string;
  /** The running redis-server's pid (undefined while stopped), for CPU and memory accounting. */
  pid(): number | undefined;
  /** Starts the server again after `stop()`, on the same port. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM), keeping its directory for `start()`. */
  stop(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setTimeout(1000);
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => { s.destroy(); resolve(d.toString().startsWith('+PONG')); });
    s.once('error', () => resolve(false));
    s.once('timeout', () => { s.destroy(); resolve(false); });
  });
}

export async function startRedis(): Promise<TestRedis> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('redis-server was not found: run `npm run setup`, which installs the Debian package redis-server');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    if (child) return;
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
    child = c;
    c.once('exit', () => { if (child === c) child = undefined; });
    await waitFor(() => ping(port), `redis-server on port ${port}`, 20_000);
  };
  const stop = async () => {
    const c = child;
    if (!c) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => child?.pid,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
