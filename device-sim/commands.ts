import { COMMAND_ID_PATTERN } from '../domain/commands.js';
import { parseCommand, type CommandResultPayload, type DeviceKind, type ParsedCommand } from '../protocol/index.js';
import type { Fields } from './behaviour.js';
import type { Rng } from './random.js';

/** How a share of commands goes wrong (scenario `commands`). */
export interface CommandRates {
  /** Share of commands the device refuses with `{ok:false}` (busy, hardware fault). */
  failRate: number;
  /** Share of commands the device never answers (a firmware that ignores them). */
  silentRate: number;
}

/**
 * What commands changed on a device, on top of what its schedule makes it do. `power` and `stopped` hold until the
 * next lesson starts (the teacher switches the board on, the headsets start a lesson app); a lock and a kiosk app
 * hold until undone, as an MDM's do.
 */
export interface Commanded {
  power?: 'on' | 'standby' | 'off';
  input?: string;
  volume?: number;
  locked?: boolean;
  kiosk?: string;
  stopped?: boolean;
  intervalS?: number;
}

/** What the simulator must do beyond answering: restart (offline briefly, uptime 0), republish attributes. */
export interface CommandEffect {
  restart?: boolean;
  attributes?: Record<string, string | number>;
}

/** A device remembers the ids it answered for a day, at most this many: enough for any redelivery, bounded in memory. */
export const REMEMBER_MS = 86_400_000;
export const REMEMBER_MAX = 256;

interface Remembered {
  at: number;
  /** undefined: the device stayed silent, and stays silent on a repeat. */
  result: CommandResultPayload | undefined;
  effect: CommandEffect;
}

export interface Handled {
  /** What to publish on cmd/{id}/result; undefined = no answer. */
  result: CommandResultPayload | undefined;
  /** What to do; empty for a repeated, refused or expired command. */
  effect: CommandEffect;
  /** The id was already answered: nothing was done again. */
  repeat: boolean;
}

/** One simulated device's side of the command contract (docs/commands.md): validate, de-duplicate, expire, act. */
export class DeviceCommands {
  readonly state: Commanded = {};
  private readonly seen = new Map<string, Remembered>();
  /** Whether the room was in use at the previous reading; unknown before the first. */
  private wasInUse: boolean | undefined;

  constructor(private readonly kind: DeviceKind, private readonly rates: CommandRates, private readonly rng: Rng) {}

  handle(commandId: string, payload: Buffer, now: number): Handled {
    this.forget(now);
    const known = this.seen.get(commandId);
    if (known) return { result: known.result, effect: {}, repeat: true };
    const out = this.decide(commandId, payload, now);
    this.seen.set(commandId, { at: now, result: out.result, effect: out.effect });
    return { ...out, repeat: false };
  }

  private decide(commandId: string, payload: Buffer, now: number): Omit<Handled, 'repeat'> {
    const answer = (ok: boolean, message: string): Omit<Handled, 'repeat'> => ({ result: { ok, message, ts: now }, effect: {} });
    if (!COMMAND_ID_PATTERN.test(commandId)) return answer(false, `invalid command id '${commandId}'`);
    const parsed = parseCommand(this.kind, payload);
    if (!parsed.ok) return answer(false, parsed.error);
    if (parsed.value.expiresAt !== undefined && parsed.value.expiresAt <= now) return answer(false, 'expired');
    const roll = this.rng();
    if (roll < this.rates.silentRate) return { result: undefined, effect: {} };
    if (roll < this.rates.silentRate + this.rates.failRate) return answer(false, 'device busy, try again later');
    const { message, effect } = this.act(parsed.value);
    return { result: { ok: true, message, ts: now }, effect };
  }

  /** Forgets ids older than a day, and the oldest beyond the bound (a Map iterates in insertion order). */
  private forget(now: number): void {
    for (const [id, r] of this.seen) {
      if (now - r.at < REMEMBER_MS && this.seen.size < REMEMBER_MAX) break;
      this.seen.delete(id);
    }
  }

  get remembered(): number {
    return this.seen.size;
  }

  private act(c: ParsedCommand): { message: string; effect: CommandEffect } {
    const st = this.state;
    const a = c.args;
    switch (c.name) {
      case 'power':
        st.power = a.state as Commanded['power'];
        return { message: `power ${String(a.state)}`, effect: {} };
      case 'input':
        st.input = String(a.source);
        return { message: `input ${st.input}`, effect: {} };
      case 'volume':
        st.volume = Number(a.level);
        return { message: `volume ${st.volume}`, effect: { attributes: { volume: st.volume } } };
      case 'message':
        return { message: `showing the message for ${Number(a.minutes)} min`, effect: {} };
      case 'restart':
        return { message: 'restarting', effect: { restart: true } };
      case 'lock':
        st.locked = true;
        return { message: 'locked', effect: {} };
      case 'unlock':
        st.locked = false;
        return { message: 'unlocked', effect: {} };
      case 'ring':
        return { message: `ringing for ${Number(a.seconds)} s`, effect: {} };
      case 'kiosk':
        st.kiosk = String(a.app);
        st.stopped = false;
        return { message: `kiosk ${st.kiosk}`, effect: { attributes: { kioskApp: st.kiosk } } };
      case 'stop':
        st.kiosk = undefined;
        st.stopped = true;
        return { message: 'stopped', effect: { attributes: { kioskApp: '' } } };
      case 'interval':
        st.intervalS = Number(a.seconds);
        return { message: `interval ${st.intervalS} s`, effect: { attributes: { intervalS: st.intervalS } } };
      case 'calibrate':
        return { message: `calibrated ${typeof a.field === 'string' ? a.field : 'all fields'}`, effect: {} };
      default:
        // parseCommand only lets through the names of protocol/commands: a new command the simulator has not learnt yet.
        return { message: `${c.name} done`, effect: {} };
    }
  }

  /** A reading as the device reports it once commands had their say. */
  adjust(fields: Fields, inUse: boolean): Fields {
    const st = this.state;
    if (inUse && this.wasInUse === false) {
      // A lesson starts: the teacher switches the board on and the class starts its app, whatever was commanded before.
      st.power = undefined;
      st.stopped = undefined;
    }
    this.wasInUse = inUse;
    const f = { ...fields };
    if (this.kind === 'board') {
      if (st.power) f.power = st.power;
      if (f.power !== 'on') Object.assign(f, { touches: 0, brightness: 0, input: 'none', uptime: 0 });
      else {
        // Switched on out of hours: lit, on the OPS unless an input was chosen.
        if (f.brightness === 0) f.brightness = 80;
        f.input = st.input ?? (f.input === undefined || f.input === 'none' ? 'ops' : f.input);
      }
    } else if (this.kind === 'tablet' && st.locked !== undefined) {
      f.locked = st.locked;
      if (st.locked) f.screenOn = false;
    } else if (this.kind === 'vr') {
      if (st.kiosk) f.inSession = true;
      else if (st.stopped) f.inSession = false;
    }
    return f;
  }
}
