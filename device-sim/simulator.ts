import { setTimeout as delay } from 'node:timers/promises';
import { systemClock, type Clock } from '../lib/clock.js';
import { Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import { MAX_READINGS_PER_MESSAGE, type StatusPayload } from '../protocol/index.js';
import { badReading, newBody, reading, type DeviceBody, type Fields } from './behaviour.js';
import { DeviceLink } from './device-link.js';
import { startFault, errorEvent, FAULT_EVENTS, FLAP_DOWN_MS, FLAP_EVERY_MS, noFaults, skewAt, stuckReading, type ActiveFaults } from './fault-state.js';
import { FAULT_STAT, faultDuration, rollFaults, type FaultName } from './faults.js';
import { SimControl } from './control.js';
import { DeviceCommands } from './commands.js';
import { devicesFor, faultNamed, resolveTarget } from './targets.js';
import { deviceAttributes } from './hardware.js';
import type { SimDevice } from './provision.js';
import { between, seededRng, type Rng } from './random.js';
import type { Scenario } from './scenario.js';
import { nextReadingAt, RoomSchedule, type RoomMoment } from './timetable.js';

export interface SimulatorOptions {
  /** The broker's MQTT URL, or several separated by commas (its nodes): each device tries them in turn (device-link.ts). */
  brokerUrl: string;
  devices: SimDevice[];
  scenario: Scenario;
  /** Simulated time; tests pin it to a lesson or a night. Default: the system clock. */
  clock?: Clock;
  /** Connections opened at once while ramping up. */
  connectConcurrency?: number;
  /** How often the central scheduler looks at every device, ms. */
  tickMs?: number;
  /** Where a failing tick is logged (once, until it recovers). */
  log?: Logger;
  /**
   * Listen for `edufleet sim fault` on a loopback port written to `sim-control.json` in this directory (the data
   * directory); removed at stop. Default: no control port.
   */
  controlDir?: string;
}

/** What `injectFault` did. */
export interface InjectedFault {
  fault: FaultName;
  /** The devices that got it: those of the target whose kind can have it. */
  devices: string[];
  forMs: number;
}

export interface SimStats {
  devices: number;
  connected: number;
  /** Devices that announced `sleep` (school closed) and have not woken up. */
  sleeping: number;
  sent: number;
  acked: number;
  errors: number;
  badSent: number;
  events: number;
  /** Readings taken during an outage and waiting for the link. */
  backlogHeld: number;
  /** Readings taken during an outage and uploaded afterwards as a backlog (also counted in `sent`). */
  backlogSent: number;
  /** Remote commands: carried out, refused (invalid, expired or failed), left unanswered, and repeated ids answered again. */
  commands: { done: number; refused: number; silent: number; repeats: number };
  /** Devices that published their offline status and disconnected properly at stop. */
  goodbyes: number;
  faults: {
    offline: number; drain: number; overheat: number; bad: number;
    dying: number; flapping: number; stuck: number; skew: number; silent: number; burst: number;
    /** Link drops of flapping Wi-Fi (each followed by a reconnect). */
    flaps: number;
  };
}

/** One simulated device: its link, its body and its schedule. */
interface Sim {
  d: SimDevice;
  /** The true schedule of the device's room, shared by the devices of that room. */
  schedule: RoomSchedule;
  link: DeviceLink;
  body: DeviceBody;
  rng: Rng;
  nextAt: number;
  lastAt: number;
  offlineUntil: number;
  presence: StatusPayload['state'];
  inSession: boolean;
  /** Readings taken while cut off, uploaded as one array when the link is back. */
  backlog: Fields[];
  faults: ActiveFaults;
  /** Its side of remote commands: what they changed, the ids it answered. */
  cmd: DeviceCommands;
  /** Offline because a command restarted it: a device that is off measures nothing. */
  rebooting: boolean;
}

/** The true schedule of a simulated device's room: its school's timetable, its use share, its out-of-hours sessions. */
export function roomSchedule(d: SimDevice, seed: number): RoomSchedule {
  return new RoomSchedule({ level: d.school.level, seed, roomKey: d.roomKey, use: d.room.use, outOfHours: d.room.outOfHours, timetable: d.school.timetable });
}

/** How long a restarted device is gone, ms. */
const RESTART_MS: [number, number] = [1500, 3000];

/** A reading falls due in a tick at most this late; later than that (a clock that jumped), it is taken now. */
const LATE_MS = 1000;

/**
 * Runs simulated devices over real MQTT. One scheduler tick walks every device (cheap even for 10,000), so there is
 * one timer, not one per device; each device reports on its own jittered interval, slower at night.
 */
export class Simulator implements Component {
  readonly name = 'simulator';
  readonly stats: SimStats;
  private readonly sims: Sim[];
  private readonly clock: Clock;
  private readonly state: Health;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private control: SimControl | undefined;

  constructor(private readonly o: SimulatorOptions) {
    this.clock = o.clock ?? systemClock;
    this.state = new Health(this.name, o.log);
    this.stats = { devices: o.devices.length, connected: 0, sleeping: 0, sent: 0, acked: 0, errors: 0, badSent: 0, events: 0, backlogHeld: 0, backlogSent: 0, goodbyes: 0, commands: { done: 0, refused: 0, silent: 0, repeats: 0 },
      faults: { offline: 0, drain: 0, overheat: 0, bad: 0, dying: 0, flapping: 0, stuck: 0, skew: 0, silent: 0, burst: 0, flaps: 0 } };
    const now = this.clock.now();
    const schedules = new Map<string, RoomSchedule>();
    this.sims = o.devices.map((d, i) => {
      let schedule = schedules.get(d.roomKey);
      if (!schedule) schedules.set(d.roomKey, (schedule = roomSchedule(d, o.scenario.seed)));
      return this.newSim(d, schedule, seededRng(o.scenario.seed * 1_000_003 + i), now, seededRng(o.scenario.seed * 7_000_003 + i));
    });
  }

  private newSim(d: SimDevice, schedule: RoomSchedule, rng: Rng, now: number, cmdRng: Rng): Sim {
    // The link's callbacks read the device's state, and the device holds its link: `link` is set right below.
    const first = schedule.nextChange(now, now + rng() * this.o.scenario.intervalS * 1000);
    const s = { d, schedule, rng, body: newBody(rng), nextAt: first, lastAt: now, offlineUntil: 0, presence: 'online', inSession: false, backlog: [] as Fields[], faults: noFaults(),
      cmd: new DeviceCommands(d.kind, this.o.scenario.commands, cmdRng), rebooting: false } as Sim;
    s.presence = this.presenceFor(s, this.moment(s, now));
    const [brokerUrl = '', ...fallbackUrls] = this.o.brokerUrl.split(',').map((u) => u.trim()).filter(Boolean);
    s.link = new DeviceLink({
      brokerUrl, fallbackUrls, id: d.id, secret: d.secret, qos: this.o.scenario.qos,
      attributes: deviceAttributes(d.id, d.kind), reconnectPeriodMs: 5000 + Math.floor(rng() * 5000),
      presence: () => s.presence,
      on: {
        link: (up) => {
          this.stats.connected += up ? 1 : -1;
          if (s.presence === 'sleep') this.stats.sleeping += up ? 1 : -1;
          if (up && s.backlog.length) this.uploadBacklog(s);
        },
        error: () => { this.stats.errors += 1; },
        command: (id, payload) => this.command(s, id, payload),
      },
    });
    return s;
  }

  private moment(s: Sim, now: number): RoomMoment {
    return s.schedule.moment(now);
  }

  /** Room sensors stay awake; boards, tablets and headsets sleep while the school is closed and the room unused. */
  private presenceFor(s: Sim, m: RoomMoment): StatusPayload['state'] {
    return m.open || m.inUse || s.d.kind === 'sensor' ? 'online' : 'sleep';
  }

  /**
   * When a device reads: at the time it fell due (exactly at a period's start or end, say) when the tick is only a
   * little late, else now; and when it reads next.
   */
  private advance(s: Sim, now: number): { at: number; m: RoomMoment; dtS: number } {
    // Protocol times are whole milliseconds; jittered schedules are not.
    const at = Math.round(now - s.nextAt <= LATE_MS ? Math.max(s.nextAt, s.lastAt + 1) : now);
    const m = this.moment(s, at);
    const dtS = (at - s.lastAt) / 1000;
    s.lastAt = at;
    s.nextAt = nextReadingAt(s.schedule, at, m, (s.cmd.state.intervalS ?? this.o.scenario.intervalS) * 1000, between(s.rng, 0.8, 1.2));
    return { at, m, dtS };
  }

  /**
   * Starts the scheduler and connects every device, a bounded number at a time; resolves once each has been
   * accepted or refused. A device reports from the moment it is connected, so the ramp-up is never followed by a
   * burst of every device's first reading in one tick.
   */
  async start(onRamp?: (connected: number, total: number) => void): Promise<void> {
    if (this.timer || this.stopped) throw new Error('a Simulator starts once');
    this.state.started();
    // A tick that throws (one device's bad state) must not end the simulator, or the process it runs in.
    this.timer = setInterval(this.state.guard('simulator tick', () => this.tick()), this.o.tickMs ?? 250);
    if (this.o.controlDir) {
      this.control = new SimControl(this.o.controlDir, (target, fault, forMs) => this.injectFault(target, fault, forMs));
      await this.control.start();
    }
    const limit = this.o.connectConcurrency ?? 100;
    let next = 0;
    const worker = async () => {
      while (!this.stopped && next < this.sims.length) {
        await this.sims[next++]!.link.connect();
        onRamp?.(this.stats.connected, this.sims.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, this.sims.length) }, worker));
  }

  private tick(): void {
    const now = this.clock.now();
    for (const s of this.sims) {
      if (s.offlineUntil) {
        if (now >= s.offlineUntil) {
          s.offlineUntil = 0;
          s.rebooting = false;
          void s.link.connect();
        } else if (now >= s.nextAt && !s.rebooting) {
          this.measureOffline(s, now);
        }
        continue;
      }
      if (!s.link.connected) continue;
      if (this.playFaults(s, now)) continue;
      if (now >= s.nextAt) this.step(s, now);
    }
  }

  /** Plays out what a fault does between readings: a flapping link drops, an error burst sends its next event. */
  private playFaults(s: Sim, now: number): boolean {
    const f = s.faults;
    if (f.flapUntil > now && now >= f.nextFlapAt) {
      this.stats.faults.flaps += 1;
      f.nextFlapAt = now + between(s.rng, ...FLAP_EVERY_MS);
      this.goOffline(s, now, between(s.rng, ...FLAP_DOWN_MS));
      return true;
    }
    if (f.burst && now >= f.burst.nextAt && f.silentUntil <= now) {
      const e = errorEvent(s.d.kind, s.rng);
      this.event(s, now, 'error', e.code, e.message);
      f.burst.nextAt += f.burst.everyMs;
      if (--f.burst.left <= 0) f.burst = undefined;
    }
    return false;
  }

  /** Drops the link without DISCONNECT (the broker publishes the Last Will) and comes back after `forMs`. */
  private goOffline(s: Sim, now: number, forMs: number): void {
    s.offlineUntil = Math.max(now + forMs, s.offlineUntil);
    s.link.drop();
  }

  /** Puts one device into `fault` from `now` for `forMs`, counting it and sending the event a device would. */
  private begin(s: Sim, fault: FaultName, forMs: number, now: number): void {
    this.stats.faults[FAULT_STAT[fault]] += 1;
    if (fault === 'offline') {
      if (s.link.connected || s.offlineUntil) this.goOffline(s, now, forMs);
      return;
    }
    const e = FAULT_EVENTS[fault];
    if (e) this.event(s, now, e.type, e.code, e.message);
    startFault(s.faults, s.body, fault, now + forMs, now, s.rng);
  }

  /**
   * Puts the devices `target` names (a device id, a room id, SCHOOL/ROOM or a room code) into `fault` now, for
   * `forMs` (default: the fault's own duration); what `edufleet sim fault` asks through the control port. Throws a
   * coded error for an unknown target or fault, or a target without a device of a kind the fault applies to.
   */
  injectFault(target: string, fault: string, forMs?: number): InjectedFault {
    const name = faultNamed(fault);
    const ids = new Set(devicesFor(name, resolveTarget(this.sims.map((s) => s.d), target), target).map((d) => d.id));
    const now = this.clock.now();
    const out: InjectedFault = { fault: name, devices: [], forMs: forMs ?? 0 };
    for (const s of this.sims) {
      if (!ids.has(s.d.id)) continue;
      const ms = forMs ?? faultDuration(name, s.rng);
      out.forMs = Math.max(out.forMs, ms);
      this.begin(s, name, ms, now);
      // Shown at once, not at the next reading (up to 15 minutes away at night).
      if (name !== 'offline') s.nextAt = Math.min(s.nextAt, now);
      out.devices.push(s.d.id);
    }
    return out;
  }

  /** One reading of one device: presence, faults, then a good or a bad reading. */
  private step(s: Sim, tickNow: number): void {
    const { at: now, m, dtS } = this.advance(s, tickNow);
    const f = s.faults;
    if (f.silentUntil > now) return; // connected, keepalive going, nothing published

    this.setPresence(s, this.presenceFor(s, m));
    const roll = rollFaults(this.o.scenario.faults, s.d.kind, dtS / 3600, s.rng);
    if (roll.offlineForMs !== undefined) return this.begin(s, 'offline', roll.offlineForMs, now);
    if (roll.drainFactor !== undefined) this.begin(s, 'battery-drain', 0, now);
    if (roll.overheatForMs !== undefined) this.begin(s, 'overheat', roll.overheatForMs, now);
    for (const x of roll.started ?? []) this.begin(s, x.fault, x.forMs, now);
    if (f.silentUntil > now) return;
    const bad = roll.badReading ?? f.badNext;
    if (bad !== undefined) {
      if (roll.badReading !== undefined) this.stats.faults.bad += 1;
      f.badNext = undefined;
      this.stats.badSent += 1;
      this.publish(s, JSON.stringify(badReading(s.d.kind, bad)));
      return;
    }
    const fields = s.cmd.adjust(stuckReading(f, reading(s.d.kind, s.body, { inUse: m.inUse, open: m.open || m.inUse, capacity: s.d.room.capacity, dtS, now }, s.rng), now), m.inUse);
    // A board switched to standby or off by a command starts counting its uptime again when it is switched on.
    if (fields.power !== undefined && fields.power !== 'on') s.body.uptimeS = 0;
    if (s.d.kind === 'vr' && fields.inSession !== s.inSession) {
      s.inSession = fields.inSession === true;
      this.event(s, now, s.inSession ? 'session_start' : 'session_end');
    }
    this.publish(s, JSON.stringify({ ts: now + skewAt(f, now), ...fields }));
  }

  /**
   * A command on cmd/{id}: answered on cmd/{id}/result (again, the same answer, for a repeated id), acted on once.
   * Its effect shows from the next reading, which is due at once.
   */
  private command(s: Sim, id: string, payload: Buffer): void {
    const now = this.clock.now();
    const h = s.cmd.handle(id, payload, now);
    this.stats.commands[h.repeat ? 'repeats' : h.result === undefined ? 'silent' : h.result.ok ? 'done' : 'refused'] += 1;
    if (h.effect.attributes) s.link.attributes(h.effect.attributes);
    const restart = () => {
      if (!h.effect.restart) return;
      s.body.uptimeS = 0;
      s.rebooting = true;
      this.goOffline(s, this.clock.now(), between(s.rng, ...RESTART_MS));
    };
    if (h.result) s.link.result(id, h.result, restart);
    else restart();
    if (!h.repeat) s.nextAt = Math.min(s.nextAt, now);
  }

  private setPresence(s: Sim, state: StatusPayload['state']): void {
    if (state === s.presence) return;
    if (s.link.connected) this.stats.sleeping += state === 'sleep' ? 1 : -1;
    s.presence = state;
    s.link.status(state);
  }

  private event(s: Sim, now: number, type: string, code?: string, message?: string): void {
    this.stats.events += 1;
    s.link.event({ type, ts: now + skewAt(s.faults, now), ...(code ? { code } : {}), ...(message ? { message } : {}) });
  }

  private publish(s: Sim, payload: string, readings = 1): void {
    this.stats.sent += readings;
    s.link.telemetry(payload, (ok) => {
      if (ok) this.stats.acked += readings;
      else this.stats.errors += 1;
    });
  }

  /**
   * A device cut off from the network keeps measuring, as the plans ask of devices at sites with a bad uplink;
   * it keeps the newest readings, as many as one message may carry.
   */
  private measureOffline(s: Sim, tickNow: number): void {
    const { at: now, m, dtS } = this.advance(s, tickNow);
    s.backlog.push({ ts: now + skewAt(s.faults, now), ...reading(s.d.kind, s.body, { inUse: m.inUse, open: m.open || m.inUse, capacity: s.d.room.capacity, dtS, now }, s.rng) });
    if (s.backlog.length > MAX_READINGS_PER_MESSAGE) s.backlog.shift();
    else this.stats.backlogHeld += 1;
  }

  /** Uploads what was measured during an outage as one array, with the original times, as the protocol allows. */
  private uploadBacklog(s: Sim): void {
    const backlog = s.backlog;
    s.backlog = [];
    this.stats.backlogHeld -= backlog.length;
    this.stats.backlogSent += backlog.length;
    this.publish(s, JSON.stringify(backlog), backlog.length);
  }

  /**
   * Says goodbye properly: status offline, DISCONNECT, sockets closed. Bounded (2 s, plus 0.5 ms a device for large
   * fleets) so that a broker that is gone cannot hold the exit; a device cut short still goes offline by its Last Will.
   */
  stop(): Promise<void> {
    this.stopping ??= this.close();
    return this.stopping;
  }

  health(): ComponentHealth {
    return this.state.snapshot();
  }

  private async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.control?.stop();
    const ac = new AbortController();
    const deadline = delay(Math.max(2000, this.sims.length / 2), undefined, { signal: ac.signal }).catch(() => undefined);
    const said = await Promise.all(this.sims.map((s) => s.link.close(deadline)));
    this.stats.goodbyes = said.filter(Boolean).length;
    ac.abort();
    this.state.stopped();
  }
}
