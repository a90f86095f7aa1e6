import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/edufleet.mjs');

export interface EdufleetProcess {
  child: ChildProcess;
  mqttPort: number;
  output(): string;
}

/**
 * Runs `edufleet start …` as a real child process and resolves once it printed its MQTT port. A process without a
 * dashboard serves /healthz on its management port: any free one unless `env` says otherwise (the default 9464
 * would clash between test files running at once).
 */
export function startEdufleetProcess(args: string[], env: Record<string, string>): Promise<EdufleetProcess> {
  const child = spawn(process.execPath, [BIN, 'start', ...args], { env: { ...process.env, EDUFLEET_NODE_MANAGEMENT_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /MQTT:\s+mqtt:\/\/localhost:(\d+)/.exec(out);
      if (m) resolve({ child, mqttPort: Number(m[1]), output: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
    child.once('exit', (code) => reject(new Error(`edufleet exited with ${code} before listening:\n${out}`)));
  });
}

/**
 * Runs `edufleet start --only dashboard` as a real child process and resolves with its URL once it printed it. Give
 * `EDUFLEET_DASHBOARD_PORT` a fixed port to start it again on the same address after a stop.
 */
export function startDashboardProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output(): string }> {
  const child = spawn(process.execPath, [BIN, 'start', '--only', 'dashboard'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Dashboard:\s+(http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, output: () => out });
    });
    child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
    child.once('exit', (code) => reject(new Error(`edufleet exited with ${code} before listening:\n${out}`)));
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}
