/**
 * A real HAProxy for tests and benchmarks (Debian's haproxy, installed by `npm run setup`): its own process, in the foreground, from
 * a configuration the test writes, with frontends on free loopback ports and an admin socket in a temporary directory
 * through which the test reads what HAProxy thinks of its servers (their health checks).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../lib/net.js';
import { waitFor } from '../procs.js';

export interface ServerState { backend: string; server: string; status: string }

export interface TestHaproxy {
  /** The port of the frontend named when starting. */
  port(name: string): number;
  /** The haproxy process, for CPU and memory accounting. */
  pid: number;
  /** Every server of every backend with its health as HAProxy sees it ('UP', 'DOWN', 'no check' …). */
  servers(): Promise<ServerState[]>;
  close(): Promise<void>;
}

/** One command on the admin socket; resolves with HAProxy's whole answer. */
function adminCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socket);
    let out = '';
    s.setEncoding('utf8');
    s.once('connect', () => s.write(`${command}\n`));
    s.on('data', (d: string) => (out += d));
    s.once('end', () => resolve(out));
    s.once('error', reject);
  });
}

/**
 * Starts haproxy with `body` (frontends and backends) after a global section with the admin socket and TCP defaults.
 * `frontends` names the ports to allocate; `body` receives them by name.
 */
export async function startHaproxy(frontends: string[], body: (ports: Record<string, number>) => string): Promise<TestHaproxy> {
  if (spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('haproxy was not found: run `npm run setup`, which installs the Debian package haproxy');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-haproxy-'));
  const socket = path.join(dir, 'admin.sock');
  const ports: Record<string, number> = {};
  for (const name of frontends) ports[name] = await freePort();
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, [
    'global',
    `  stats socket ${socket} mode 600 level admin`,
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 1m',
    '  timeout server 1m',
    body(ports),
    '',
  ].join('\n'));
  let stderr = '';
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => { exited = true; r(); }));
  const close = async () => {
    if (!exited) child.kill('SIGTERM');
    await exit;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The admin socket answers once every frontend is bound.
    await waitFor(() => {
      if (exited) throw new Error(`haproxy exited: ${stderr}`);
      return adminCommand(socket, 'show info').then((info) => info.includes('Pid:'), () => false);
    }, 'haproxy answering on its admin socket', 10_000);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    pid: child.pid!,
    port: (name) => {
      const p = ports[name];
      if (p === undefined) throw new Error(`no haproxy frontend named ${name}`);
      return p;
    },
    async servers() {
      const csv = await adminCommand(socket, 'show stat');
      const [header = '', ...rows] = csv.replace(/^# /, '').trim().split('\n');
      const col = header.split(',');
      const at = (row: string[], name: string) => row[col.indexOf(name)] ?? '';
      return rows.map((r) => r.split(',')).filter((r) => !['FRONTEND', 'BACKEND'].includes(at(r, 'svname')))
        .map((r) => ({ backend: at(r, 'pxname'), server: at(r, 'svname'), status: at(r, 'status') }));
    },
    close,
  };
}
