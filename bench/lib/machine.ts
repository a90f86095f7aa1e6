import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InfluxHttp } from './influx-http.js';
import type { E2eResults } from './results.js';
import { MOSQUITTO_BINARY, REPO_ROOT } from './servers.js';

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return `${m?.[1] ?? os.type()} (Linux ${os.release()})`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

/** The machine and the versions of everything measured, for the table header. */
export async function machineInfo(influx: InfluxHttp): Promise<E2eResults['machine']> {
  const mosq = spawnSync(MOSQUITTO_BINARY, ['-h'], { encoding: 'utf8' });
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: osName(),
    node: process.version,
    influxd: await influx.version(),
    mosquitto: /mosquitto version (\S+)/.exec(`${mosq.stdout}${mosq.stderr}`)?.[1] ?? 'unknown',
    aedes: packageVersion('aedes'),
    mqttJs: packageVersion('mqtt'),
  };
}
