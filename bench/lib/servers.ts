import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InfluxCredentials } from '../../lib/influx/index.js';
import { freePort } from '../../lib/net.js';
import { stopChild, waitFor, type Cleanup } from './procs.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MOSQUITTO_BINARY = '/usr/sbin/mosquitto';

/** A server the benchmark started: where to reach it, its pid for CPU accounting, and how to stop it. */
export interface RunningServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface EdufleetChildOptions {
  influxUrl: string;
  /** The managed influxd's credential (`ManagedInfluxd.credentials`), passed as influx.username/password. */
  influxCredentials?: InfluxCredentials;
  database: string;
  dataDir: string;
  /** Where `node --cpu-prof` writes the child's profile; no profiling when absent. */
  cpuProfDir?: string;
  /** The EduFleet checkout to run (default: this one); lets a patched worktree be measured against the same references. */
  root?: string;
  /** Extra Node options for the child, e.g. `--max-semi-space-size=64`. */
  nodeArgs?: string[];
  /** Extra EDUFLEET_* settings, e.g. EDUFLEET_ALERTS_ENABLED=false for the run without health rules. */
  env?: Record<string, string>;
  /** The components (`--only`), default `broker,gateway`; without the broker, `url` is the dashboard's. */
  only?: string;
}

/**
 * The Node options bin/edufleet.mjs asks for in its shebang (`#!/usr/bin/env -S node --max-semi-space-size=64`):
 * the child is started with the benchmark's own node binary, so they are passed explicitly to measure EduFleet as
 * `npm start` and the installed `edufleet` command run it.
 */
export function shebangNodeArgs(root = REPO_ROOT): string[] {
  const first = readFileSync(path.join(root, 'bin', 'edufleet.mjs'), 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!.*\bnode\b(.*)$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter((a) => a.startsWith('--')) : [];
}

/** The environment of the child: ours without any EDUFLEET_* setting of the caller, plus the benchmark's. */
function childEnv(o: EdufleetChildOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('EDUFLEET_')) env[k] = v;
  return {
    ...env,
    EDUFLEET_INFLUX_URL: o.influxUrl,
    EDUFLEET_INFLUX_USERNAME: o.influxCredentials?.username ?? '',
    EDUFLEET_INFLUX_PASSWORD: o.influxCredentials?.password ?? '',
    EDUFLEET_INFLUX_DATABASE: o.database,
    EDUFLEET_DATA_DIR: o.dataDir,
    EDUFLEET_MQTT_HOST: '127.0.0.1',
    EDUFLEET_MQTT_PORT: '0',
    EDUFLEET_MQTT_WS_PORT: '0',
    EDUFLEET_LOG_LEVEL: 'warn',
    // Each simulated device here publishes ~125 readings/s, a stress load rather than a device's behaviour: the
    // per-device token bucket still runs (its cost is measured) but never throttles.
    EDUFLEET_MQTT_PUBLISH_RATE_PER_SEC: '1000000',
    ...o.env,
  };
}

/**
 * `node bin/edufleet.mjs start --only broker,gateway` as a separate process, with the managed influxd of the
 * benchmark as its InfluxDB; resolves with the MQTT URL it prints. Its output goes to `dataDir/edufleet.log`.
 */
export async function startEdufleetChild(o: EdufleetChildOptions, cleanup: Cleanup): Promise<RunningServer> {
  const prof = o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [];
  const root = o.root ?? REPO_ROOT;
  const only = o.only ?? 'broker,gateway';
  const child = spawn(process.execPath, [...shebangNodeArgs(root), ...(o.nodeArgs ?? []), ...prof, path.join(root, 'bin', 'edufleet.mjs'), 'start', '--only', only], {
    cwd: root, env: childEnv(o), stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.track(child);
  const logFile = path.join(o.dataDir, 'edufleet.log');
  const log = createWriteStream(logFile);
  child.stderr.pipe(log);
  const stop = cleanup.add('EduFleet child', () => stopChild(child));
  try {
    if (!only.split(',').includes('broker')) return { url: await printed(child, logFile, /Dashboard:\s+(http:\/\/\S+)/), pid: child.pid!, stop };
    const port = await printed(child, logFile, /MQTT:\s+mqtt:\/\/[^:\s]+:(\d+)/);
    return { url: `mqtt://127.0.0.1:${port}`, pid: child.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The first group of `pattern` in what the child prints (its MQTT port, its dashboard URL). */
function printed(child: ChildProcess, logFile: string, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`EduFleet did not print its address within 60 s; see ${logFile}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      let tail = '';
      try {
        tail = readFileSync(logFile, 'utf8').slice(-2000);
      } catch {
        // no log yet
      }
      reject(new Error(`EduFleet exited (${code ?? signal}) before it listened:\n${out}${tail}`));
    });
  });
}

/** Users of an authenticated Mosquitto: one per device, plus the subscriber that may read every telemetry topic. */
export interface MosquittoAuth {
  devices: { id: string; secret: string }[];
  subscriber: { user: string; secret: string };
}

/**
 * The password file (`mosquitto_passwd -U` hashes a plain `user:secret` file in one call, as `-b` does per user)
 * and an ACL equal to ours: a device publishes only under its own `edu/v1/<id>/` and subscribes only to its own
 * commands; the subscriber reads `edu/v1/+/telemetry` and nothing else.
 */
function mosquittoAuthFiles(dir: string, auth: MosquittoAuth): string[] {
  const passwd = path.join(dir, 'passwd');
  const users = [...auth.devices.map((d) => ({ user: d.id, secret: d.secret })), auth.subscriber];
  writeFileSync(passwd, users.map((u) => `${u.user}:${u.secret}\n`).join(''), { mode: 0o600 });
  const hashed = spawnSync('mosquitto_passwd', ['-U', passwd], { encoding: 'utf8' });
  if (hashed.status !== 0) throw new Error(`mosquitto_passwd -U failed: ${hashed.stderr}`);
  const acl = path.join(dir, 'acl');
  writeFileSync(acl, [
    `user ${auth.subscriber.user}`, 'topic read edu/v1/+/telemetry', '',
    'pattern write edu/v1/%u/#', 'pattern read edu/v1/%u/cmd/#', '',
  ].join('\n'));
  // Started as root, Mosquitto drops to the `mosquitto` user, which cannot read our private temporary directory.
  return ['allow_anonymous false', `password_file ${passwd}`, `acl_file ${acl}`, ...(process.getuid?.() === 0 ? ['user root'] : [])];
}

/**
 * Mosquitto on a free loopback port without persistence: the broker ceiling, nothing stored. With `auth`, every
 * device logs in with its own password and the ACL applies (the reference); without, anonymous.
 */
export async function startMosquitto(dir: string, cleanup: Cleanup, auth?: MosquittoAuth): Promise<RunningServer> {
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, ...(auth ? mosquittoAuthFiles(dir, auth) : ['allow_anonymous true']), 'persistence false',
    `log_dest file ${path.join(dir, 'mosquitto.log')}`, 'log_type error', 'log_type warning', '',
  ].join('\n'));
  const child = spawn(MOSQUITTO_BINARY, ['-c', conf], { stdio: 'ignore' });
  cleanup.track(child);
  const stop = cleanup.add('Mosquitto', () => stopChild(child, 5_000));
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new Error(`cannot start ${MOSQUITTO_BINARY} (apt-get install mosquitto): ${err.message}`)));
    });
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`Mosquitto exited (${child.exitCode}); see ${path.join(dir, 'mosquitto.log')}`);
      return canConnect(port);
    }, `Mosquitto on port ${port}`, 10_000);
    return { url: `mqtt://127.0.0.1:${port}`, pid: child.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
