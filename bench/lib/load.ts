import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '../../protocol/index.js';
import type { BenchDevice } from './fleet.js';
import { readingPayload } from './fleet.js';

export interface LoadResult {
  /** performance.now() just before the first PUBLISH. */
  startedAt: number;
  /** performance.now() when the last PUBACK arrived. */
  lastAckAt: number;
  acked: number;
}

/** Connects one MQTT 3.1.1 client per device (clean session, no reconnect), `parallel` connects at a time. */
export async function connectFleet(url: string, devices: BenchDevice[], parallel = 50): Promise<MqttClient[]> {
  const clients: MqttClient[] = new Array<MqttClient>(devices.length);
  let next = 0;
  const worker = async () => {
    while (next < devices.length) {
      const i = next++;
      const d = devices[i]!;
      clients[i] = await connectOne(url, d);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, devices.length) }, worker));
  } catch (err) {
    await closeFleet(clients.filter(Boolean));
    throw err;
  }
  return clients;
}

function connectOne(url: string, d: BenchDevice): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, {
      clientId: d.id, username: d.id, password: d.secret || undefined, protocolVersion: 4, clean: true,
      reconnectPeriod: 0, connectTimeout: 30_000, keepalive: 120,
    });
    const fail = (err: Error) => { c.end(true); reject(new Error(`${d.id} could not connect to ${url}: ${err.message}`)); };
    c.once('connect', () => { c.off('error', fail); resolve(c); });
    c.once('error', fail);
  });
}

export async function closeFleet(clients: MqttClient[]): Promise<void> {
  await Promise.all(clients.map((c) => new Promise<void>((resolve) => c.end(true, {}, () => resolve()))));
}

/**
 * Every client publishes `perDevice` readings at QoS 1 on its telemetry topic, keeping at most `window` PUBLISHes
 * waiting for their PUBACK (mqtt.js assigns the message ids). Resolves when every PUBACK has arrived; a client
 * that drops or gets an error fails the run, because a lost connection would make the counts meaningless.
 */
export function publishFleet(clients: MqttClient[], devices: BenchDevice[], perDevice: number, window: number, baseTs: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    let acked = 0;
    let clientsDone = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      reject(err);
    };
    clients.forEach((client, ci) => {
      const topic = topics.telemetry(devices[ci]!.id);
      let sent = 0;
      let done = 0;
      client.once('close', () => { if (done < perDevice) fail(new Error(`${devices[ci]!.id} lost its connection after ${done} acknowledged readings`)); });
      const pump = () => {
        while (!failed && sent < perDevice && sent - done < window) {
          const seq = sent++;
          client.publish(topic, readingPayload(baseTs, seq), { qos: 1 }, (err) => {
            if (err) return fail(err);
            done += 1;
            acked += 1;
            if (done === perDevice) {
              clientsDone += 1;
              if (clientsDone === clients.length) resolve({ startedAt, lastAckAt: performance.now(), acked });
            } else pump();
          });
        }
      };
      pump();
    });
  });
}
