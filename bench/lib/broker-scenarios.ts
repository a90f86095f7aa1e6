import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { CpuMeter, round } from './procs.js';
import { anonymousFleet, provisionFleet, totalMessages, type BenchDevice } from './fleet.js';
import { closeFleet, connectFleet, connectSubscriber, measureLatency, publishFleet } from './load.js';
import { startEdufleetChild, startMosquitto, type RunningServer } from './servers.js';
import { baseTs, cpuRoles, EDUFLEET_DB, type BenchContext, type CpuFigure } from './scenarios.js';

export interface MosquittoRun {
  round: number;
  messages: number;
  seconds: number;
  ackPerS: number;
  cpu: CpuFigure;
  /** Password file + ACL (absent in results before issue 13: anonymous). */
  auth?: boolean;
  /** Publish QoS (absent: 1); at QoS 0 the time runs to each device's last message, sent at QoS 1 as a fence. */
  qos?: 0 | 1;
}

/** Publish → subscriber latency through one broker, 1,000 publishers, at QoS 1 and QoS 0 in the same session. */
export interface LatencyRun {
  round: number;
  broker: 'edufleet' | 'mosquitto';
  publishers: number;
  ratePerS: number;
  qos: { qos: 0 | 1; sent: number; received: number; p50Ms: number; p99Ms: number; cpu: CpuFigure }[];
}

export const LATENCY = { publishers: 1_000, ratePerS: 2_000, seconds: 5 };
const SUBSCRIBER = { user: 'bench-subscriber', secret: randomBytes(24).toString('base64url') };

const credentials = new Map<number, BenchDevice[]>();
/**
 * Device ids and secrets as the registry issues them (provisioned once per fleet size in a scratch registry), so the
 * authenticated Mosquitto checks passwords of the same ids and length as EduFleet does.
 */
async function fleetCredentials(ctx: BenchContext, n: number): Promise<BenchDevice[]> {
  let devices = credentials.get(n);
  if (!devices) {
    const dir = mkdtempSync(path.join(ctx.tmpRoot, 'credentials-'));
    devices = await provisionFleet(dir, n);
    rmSync(dir, { recursive: true, force: true });
    credentials.set(n, devices);
  }
  return devices;
}

async function mosquitto(ctx: BenchContext, devices: BenchDevice[] | undefined): Promise<{ broker: RunningServer; dir: string }> {
  const dir = mkdtempSync(path.join(ctx.tmpRoot, 'mosquitto-'));
  const broker = await startMosquitto(dir, ctx.cleanup, devices && { devices, subscriber: SUBSCRIBER });
  return { broker, dir };
}

/** (c) The same load against Mosquitto, with password file + ACL (the reference) or anonymous: messages/s to the last PUBACK. */
export async function runMosquitto(ctx: BenchContext, roundNo: number, o: { auth: boolean; qos: 0 | 1 } = { auth: true, qos: 1 }): Promise<MosquittoRun> {
  const total = totalMessages(ctx.shape);
  const devices = o.auth ? await fleetCredentials(ctx, ctx.shape.devices) : anonymousFleet(ctx.shape.devices);
  const { broker, dir } = await mosquitto(ctx, o.auth ? devices : undefined);
  try {
    const clients = await connectFleet(broker.url, devices);
    try {
      const meter = new CpuMeter(cpuRoles({ ...ctx, influxdPid: undefined }, { mosquitto: broker.pid }));
      meter.start();
      const load = await publishFleet(clients, devices, ctx.shape.messagesPerDevice, ctx.shape.window, baseTs(), o.qos);
      const cpu = meter.stop();
      const seconds = (load.lastAckAt - load.startedAt) / 1000;
      return { round: roundNo, messages: total, seconds: round(seconds, 3), ackPerS: Math.round(total / seconds), cpu: CpuMeter.figure(cpu, total), auth: o.auth, ...(o.qos === 0 ? { qos: o.qos } : {}) };
    } finally {
      await closeFleet(clients);
    }
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function latencyThrough(ctx: BenchContext, roundNo: number, name: LatencyRun['broker'], url: string, pid: number, devices: BenchDevice[]): Promise<LatencyRun> {
  const publishers = await connectFleet(url, devices);
  const out: LatencyRun = { round: roundNo, broker: name, publishers: devices.length, ratePerS: LATENCY.ratePerS, qos: [] };
  try {
    for (const qos of [1, 0] as const) {
      let sub: MqttClient | undefined;
      try {
        sub = await connectSubscriber(url, SUBSCRIBER.user, SUBSCRIBER.secret, qos);
        const meter = new CpuMeter(cpuRoles(ctx, { [name === 'edufleet' ? 'edufleet (broker+gateway)' : 'mosquitto']: pid }));
        meter.start();
        const r = await measureLatency(publishers, devices, sub, { ...LATENCY, qos, baseTs: baseTs() });
        const cpu = meter.stop();
        out.qos.push({ qos, sent: r.sent, received: r.received, p50Ms: r.p50Ms, p99Ms: r.p99Ms, cpu: CpuMeter.figure(cpu, r.sent) });
      } finally {
        if (sub) await closeFleet([sub]);
      }
    }
    return out;
  } finally {
    await closeFleet(publishers);
  }
}

/** (e) Latency: 1,000 publishers at a fixed total rate, one subscriber on edu/v1/+/telemetry, EduFleet then Mosquitto (auth + ACL). */
export async function runLatency(ctx: BenchContext, roundNo: number): Promise<LatencyRun[]> {
  const out: LatencyRun[] = [];
  const dataDir = mkdtempSync(path.join(ctx.tmpRoot, 'edufleet-latency-'));
  await ctx.influx.query(`DROP DATABASE ${EDUFLEET_DB}`);
  const devices = await provisionFleet(dataDir, LATENCY.publishers);
  const env = { EDUFLEET_MQTT_BENCH_SUBSCRIBER: `${SUBSCRIBER.user}:${SUBSCRIBER.secret}` };
  const child = await startEdufleetChild({ influxUrl: ctx.influx.url, influxCredentials: ctx.influx.credentials, database: EDUFLEET_DB, dataDir, env, ...ctx.edufleet }, ctx.cleanup);
  try {
    out.push(await latencyThrough(ctx, roundNo, 'edufleet', child.url, child.pid, devices));
  } finally {
    await child.stop();
    await ctx.influx.query(`DROP DATABASE ${EDUFLEET_DB}`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const { broker, dir } = await mosquitto(ctx, devices);
  try {
    out.push(await latencyThrough(ctx, roundNo, 'mosquitto', broker.url, broker.pid, devices));
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
