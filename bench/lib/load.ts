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
 * Every client publishes `perDevice` readings at `qos` on its telemetry topic, keeping at most `window` PUBLISHes
 * waiting for their PUBACK (mqtt.js assigns the message ids). Resolves when every PUBACK has arrived; a client
 * that drops or gets an error fails the run, because a lost connection would make the counts meaningless.
 * At QoS 0 the window counts PUBLISHes not yet written to the socket, and each device's last reading goes at QoS 1:
 * a broker handles one connection's packets in order, so its PUBACK means the broker has taken all before it.
 */
export function publishFleet(clients: MqttClient[], devices: BenchDevice[], perDevice: number, window: number, baseTs: number, qos: 0 | 1 = 1): Promise<LoadResult> {
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
          client.publish(topic, readingPayload(baseTs, seq), { qos: seq === perDevice - 1 ? 1 : qos }, (err) => {
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

export interface LatencyResult {
  sent: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
  /** performance.now() of the first PUBLISH and of the last message the subscriber got. */
  startedAt: number;
  endedAt: number;
}

/**
 * Publish → subscriber latency at a fixed offered rate (open loop, so a slow broker shows as latency rather than as
 * a slower load): every 10 ms the publishers, in turn, send `ratePerS / 100` readings at `qos`; `subscriber`
 * (already subscribed to every telemetry topic) times each arrival against its send. Waits up to 10 s for the
 * last arrivals; at QoS 0 a message the broker dropped is simply not counted.
 */
export function measureLatency(publishers: MqttClient[], devices: BenchDevice[], subscriber: MqttClient, o: { ratePerS: number; seconds: number; qos: 0 | 1; baseTs: number }): Promise<LatencyResult> {
  return new Promise((resolve, reject) => {
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const total = Math.round(o.ratePerS * o.seconds);
    const perTick = Math.max(1, Math.round(o.ratePerS / 100));
    const seqs = new Array<number>(devices.length).fill(0);
    let sent = 0;
    let next = 0;
    let lastArrival = 0;
    const startedAt = performance.now();
    const onMessage = (topic: string, payload: Buffer) => {
      const key = `${topic}\n${payload.toString('utf8')}`;
      const t0 = sentAt.get(key);
      if (t0 === undefined) return;
      sentAt.delete(key);
      lastArrival = performance.now();
      latencies.push(lastArrival - t0);
      if (latencies.length === total) finish();
    };
    subscriber.on('message', onMessage);
    const tick = setInterval(() => {
      for (let i = 0; i < perTick && sent < total; i++, sent++) {
        const d = next++ % devices.length;
        const topic = topics.telemetry(devices[d]!.id);
        const payload = readingPayload(o.baseTs, seqs[d]!++);
        sentAt.set(`${topic}\n${payload}`, performance.now());
        publishers[d]!.publish(topic, payload, { qos: o.qos }, (err) => { if (err) fail(err); });
      }
      if (sent === total) {
        clearInterval(tick);
        grace = setTimeout(finish, 10_000);
      }
    }, 10);
    let grace: NodeJS.Timeout | undefined;
    let ended = false;
    function fail(err: Error) {
      if (ended) return;
      ended = true;
      clearInterval(tick);
      clearTimeout(grace);
      subscriber.off('message', onMessage);
      reject(err);
    }
    function finish() {
      if (ended) return;
      ended = true;
      clearInterval(tick);
      clearTimeout(grace);
      subscriber.off('message', onMessage);
      const s = latencies.sort((a, b) => a - b);
      const q = (p: number) => (s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 10) / 10 : 0);
      resolve({ sent: total, received: s.length, p50Ms: q(0.5), p99Ms: q(0.99), startedAt, endedAt: lastArrival || performance.now() });
    }
  });
}

/** One subscriber on every device's telemetry topic, e.g. the bench-only account of EduFleet (mqtt.benchSubscriber). */
export async function connectSubscriber(url: string, user: string, secret: string, qos: 0 | 1): Promise<MqttClient> {
  const c = await connectOne(url, { id: user, secret, tags: {} });
  const granted = await c.subscribeAsync(topics.telemetry('+'), { qos });
  if (granted[0]?.qos === 128) {
    c.end(true);
    throw new Error(`${url} refused ${user} the subscription to ${topics.telemetry('+')}`);
  }
  return c;
}
