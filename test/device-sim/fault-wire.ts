import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import type { Clock } from '../../lib/clock.js';
import { localTime } from '../../device-sim/index.js';

/** One message as a subscriber on `edu/v1/#` received it, with the simulator's clock at its arrival. */
export interface WireMessage {
  device: string;
  /** telemetry, status, event, attributes. */
  channel: string;
  body: unknown;
  at: number;
}

/**
 * A real aedes broker without the device ACL, and a real MQTT subscriber to everything devices publish: the wire
 * as the gateway would see it, including Last Wills and every connect's status. The simulator's devices connect to
 * it with their own credentials (nobody checks them here).
 */
export async function openWire(clock: () => Clock): Promise<{ url: string; messages: WireMessage[]; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const messages: WireMessage[] = [];
  const sub: MqttClient = await mqtt.connectAsync(url, { clientId: 'wire-observer', reconnectPeriod: 0 });
  sub.on('message', (topic, payload) => {
    const [, , device, channel] = topic.split('/');
    messages.push({ device: device!, channel: channel!, body: JSON.parse(payload.toString()) as unknown, at: clock().now() });
  });
  await sub.subscribeAsync('edu/v1/#', { qos: 1 });
  return {
    url,
    messages,
    async close() {
      await sub.endAsync();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The messages of one device on one channel, from index `from` of the log on. */
export const on = <T = Record<string, unknown>>(log: WireMessage[], device: string, channel: string, from = 0): (T & { at: number })[] =>
  log.slice(from).filter((m) => m.device === device && m.channel === channel).map((m) => ({ ...(m.body as T), at: m.at }));

/**
 * A clock that runs at the real pace from the latest past moment at `hh:mm` in Vietnam on one of `weekdays`, and
 * can be moved ahead: the simulator then lives in a lesson or a night whatever the time the test runs.
 */
export function clockAt(hh: number, mm: number, weekdays: number[]): Clock & { skip(ms: number): void } {
  const dayMs = 86_400_000;
  const vnOffset = 7 * 3_600_000;
  let t = Math.floor((Date.now() + vnOffset) / dayMs) * dayMs - vnOffset + (hh * 60 + mm) * 60_000;
  // At least six hours back: a test that skips the clock ahead by an hour must not push device time past the server's
  // (run at 09:20 in Hà Nội, today's 09:00 would be only twenty minutes ago).
  while (t > Date.now() - 6 * 3_600_000 || !weekdays.includes(localTime(t).weekday)) t -= dayMs;
  let offset = Date.now() - t;
  return { now: () => Date.now() - offset, skip: (ms) => { offset -= ms; } };
}
