import { setTimeout as delay } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { systemClock, type Clock } from '../lib/clock.js';
import { topics } from '../protocol/index.js';
import { badReading, newBody, reading, type DeviceBody } from './behaviour.js';
import type { SimDevice } from './provision.js';
import { between, hashUnit, seededRng, type Rng } from './random.js';
import type { Scenario } from './scenario.js';
import { schoolActivity } from './timetable.js';

export interface SimulatorOptions {
  brokerUrl: string;
  devices: SimDevice[];
  scenario: Scenario;
  clock?: Clock;
  /** Connections opened at once while ramping up. */
  connectConcurrency?: number;
  /** How often the central scheduler looks at every device, ms. */
  tickMs?: number;
}

export interface SimStats {
  devices: number;
  connected: number;
  sent: number;
  acked: number;
  errors: number;
  badSent: number;
  faults: { offline: number; drain: number; overheat: number; bad: number };
}

interface Sim {
  d: SimDevice;
  client?: MqttClient;
  connected: boolean;
  body: DeviceBody;
  nextAt: number;
  lastAt: number;
  offlineUntil: number;
  rng: Rng;
}

/**
 * Whether a room is really in use in a period: the simulator's ground truth, drawn per room, day and period from
 * the room's `use` share, so the same seed always gives the same answer whoever asks.
 */
export function roomInUse(seed: number, roomKey: string, use: number, day: number, period: number): boolean {
  return hashUnit(`${seed}|${roomKey}|${day}|${period}`) < use;
}

/**
 * Runs simulated devices over real MQTT. One scheduler tick walks every device (cheap even for 10,000), so there is
 * one timer, not one per device; each device reports on its own jittered interval, faster when its room is in use.
 */
export class Simulator {
  readonly stats: SimStats;
  private readonly sims: Sim[];
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: SimulatorOptions) {
    this.clock = o.clock ?? systemClock;
    const now = this.clock.now();
    const seed = o.scenario.seed;
    this.sims = o.devices.map((d, i) => {
      const rng = seededRng(seed * 1_000_003 + i);
      return { d, connected: false, body: newBody(rng), nextAt: now + rng() * o.scenario.intervalS * 1000, lastAt: now, offlineUntil: 0, rng };
    });
    this.stats = { devices: this.sims.length, connected: 0, sent: 0, acked: 0, errors: 0, badSent: 0, faults: { offline: 0, drain: 0, overheat: 0, bad: 0 } };
  }

  /** Connects every device (a bounded number at a time), then starts the scheduler. */
  async start(onRamp?: (connected: number, total: number) => void): Promise<void> {
    const limit = this.o.connectConcurrency ?? 100;
    let next = 0;
    const worker = async () => {
      while (!this.stopped && next < this.sims.length) {
        const s = this.sims[next++]!;
        await this.connect(s);
        onRamp?.(this.stats.connected, this.sims.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, this.sims.length) }, worker));
    if (this.stopped) return;
    this.timer = setInterval(() => this.tick(), this.o.tickMs ?? 250);
  }

  private connect(s: Sim): Promise<void> {
    const id = s.d.id;
    const client = mqtt.connect(this.o.brokerUrl, {
      clientId: id, username: id, password: s.d.secret, keepalive: 60, reconnectPeriod: 5000 + Math.floor(s.rng() * 5000),
      connectTimeout: 30_000, clean: true, resubscribe: false,
      will: { topic: topics.status(id), payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    });
    s.client = client;
    client.on('connect', () => {
      if (!s.connected) this.stats.connected += 1;
      s.connected = true;
      client.publish(topics.status(id), JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
      client.publish(topics.attributes(id), JSON.stringify({ model: s.d.kind, firmware: '1.4.2', serial: id.toUpperCase() }), { qos: 1, retain: true });
    });
    client.on('close', () => {
      if (s.connected) this.stats.connected -= 1;
      s.connected = false;
    });
    client.on('error', () => { this.stats.errors += 1; });
    return new Promise((resolve) => {
      const done = () => { client.off('connect', done); client.off('close', done); resolve(); };
      client.once('connect', done);
      client.once('close', done);
    });
  }

  private tick(): void {
    const now = this.clock.now();
    const { scenario } = this.o;
    const f = scenario.faults;
    for (const s of this.sims) {
      if (s.offlineUntil) {
        if (now >= s.offlineUntil) {
          s.offlineUntil = 0;
          void this.connect(s);
        }
        continue;
      }
      if (!s.connected || now < s.nextAt) continue;
      const act = schoolActivity(s.d.school.level, now);
      const inUse = act.activity === 'period' && roomInUse(scenario.seed, s.d.roomKey, s.d.room.use, act.day, act.period!);
      const open = act.activity !== 'closed';
      const dtS = (now - s.lastAt) / 1000;
      const hours = dtS / 3600;
      s.lastAt = now;
      const interval = scenario.intervalS * 1000 * (open ? 1 : 6);
      s.nextAt = now + interval * between(s.rng, 0.8, 1.2);

      if (s.rng() < f.offlinePerHour * hours) {
        this.stats.faults.offline += 1;
        s.offlineUntil = now + between(s.rng, 60_000, 300_000);
        s.client?.end(true); // no DISCONNECT: the broker sees a dropped link and publishes the Last Will
        continue;
      }
      if (s.rng() < f.batteryDrainPerHour * hours) { this.stats.faults.drain += 1; s.body.drainFactor = 8; }
      if (s.rng() < f.overheatPerHour * hours) { this.stats.faults.overheat += 1; s.body.hotUntil = now + 600_000; }
      let payload: object;
      if (s.rng() < f.badReadingPerHour * hours) {
        this.stats.faults.bad += 1;
        this.stats.badSent += 1;
        payload = badReading(s.d.kind);
      } else {
        payload = { ts: now, ...reading(s.d.kind, s.body, { inUse, open, capacity: s.d.room.capacity, dtS, now }, s.rng) };
      }
      this.publish(s, JSON.stringify(payload));
    }
  }

  private publish(s: Sim, payload: string): void {
    this.stats.sent += 1;
    s.client!.publish(topics.telemetry(s.d.id), payload, { qos: this.o.scenario.qos }, (err) => {
      if (err) this.stats.errors += 1;
      else this.stats.acked += 1;
    });
  }

  /** Says goodbye properly: status offline, DISCONNECT, sockets closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all(this.sims.map(async (s) => {
      const c = s.client;
      if (!c) return;
      if (s.connected) {
        // Bounded: a broker that is already gone must not hold the simulator's exit.
        const bye = c.publishAsync(topics.status(s.d.id), JSON.stringify({ state: 'offline' }), { qos: 1, retain: true }).then(() => c.endAsync());
        await Promise.race([bye.catch(() => undefined), delay(2000)]);
        c.end(true);
      } else {
        c.end(true);
      }
    }));
  }
}
