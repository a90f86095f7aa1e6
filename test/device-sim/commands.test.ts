import { describe, expect, it } from 'vitest';
import { DeviceCommands, REMEMBER_MAX, REMEMBER_MS } from '../../device-sim/commands.js';
import { parseScenario } from '../../device-sim/index.js';
import { seededRng } from '../../device-sim/random.js';

const cmd = (o: object) => Buffer.from(JSON.stringify(o));
const id = (i: number) => `cmd-unit-${String(i).padStart(6, '0')}`;
const NONE = { failRate: 0, silentRate: 0 };
const T0 = 1_780_000_000_000;

describe("a simulated device's side of the command contract", () => {
  it('acts once per id and answers a repeat with the same result', () => {
    const d = new DeviceCommands('tablet', NONE, seededRng(1));
    const first = d.handle(id(1), cmd({ name: 'lock' }), T0);
    expect(first).toEqual({ result: { ok: true, message: 'locked', ts: T0 }, effect: {}, repeat: false });
    d.handle(id(2), cmd({ name: 'unlock' }), T0 + 1000);
    expect(d.handle(id(1), cmd({ name: 'lock' }), T0 + 2000)).toEqual({ result: first.result, effect: {}, repeat: true });
    expect(d.state.locked).toBe(false);
  });

  it('remembers ids for a day and at most REMEMBER_MAX of them', () => {
    const d = new DeviceCommands('board', NONE, seededRng(1));
    d.handle(id(0), cmd({ name: 'restart' }), T0);
    expect(d.handle(id(0), cmd({ name: 'restart' }), T0 + REMEMBER_MS - 1).repeat).toBe(true);
    // A day later the id is forgotten (the server never resends one that old: it has expired by then).
    expect(d.handle(id(0), cmd({ name: 'restart' }), T0 + REMEMBER_MS).repeat).toBe(false);
    for (let i = 1; i <= REMEMBER_MAX * 2; i++) d.handle(id(i), cmd({ name: 'volume', args: { level: i % 100 } }), T0 + REMEMBER_MS + i);
    expect(d.remembered).toBe(REMEMBER_MAX);
    expect(d.handle(id(REMEMBER_MAX * 2), cmd({ name: 'restart' }), T0 + REMEMBER_MS + 1e6).repeat).toBe(true);
  });

  it('does not act on an expired command, and refuses an invalid id or payload', () => {
    const d = new DeviceCommands('vr', NONE, seededRng(1));
    expect(d.handle(id(1), cmd({ name: 'kiosk', args: { app: 'a' }, expiresAt: T0 }), T0).result).toEqual({ ok: false, message: 'expired', ts: T0 });
    expect(d.state.kiosk).toBeUndefined();
    expect(d.handle(id(2), cmd({ name: 'kiosk', args: { app: 'a' }, expiresAt: T0 + 1 }), T0).result?.ok).toBe(true);
    expect(d.handle('short', cmd({ name: 'stop' }), T0).result).toMatchObject({ ok: false, message: "invalid command id 'short'" });
    expect(d.handle(id(3), Buffer.from('nope'), T0).result).toMatchObject({ ok: false, message: 'payload is not valid JSON' });
  });

  it('fails or stays silent for the configured shares, and a silent id stays silent', () => {
    const d = new DeviceCommands('sensor', { failRate: 0.2, silentRate: 0.1 }, seededRng(7));
    const outcomes = { ok: 0, failed: 0, silent: 0 };
    for (let i = 0; i < 2000; i++) {
      const r = d.handle(id(i), cmd({ name: 'calibrate' }), T0 + i).result;
      outcomes[r === undefined ? 'silent' : r.ok ? 'ok' : 'failed'] += 1;
    }
    expect(outcomes.failed / 2000).toBeCloseTo(0.2, 1);
    expect(outcomes.silent / 2000).toBeCloseTo(0.1, 1);
    const silent = new DeviceCommands('sensor', { failRate: 0, silentRate: 1 }, seededRng(7));
    expect(silent.handle(id(1), cmd({ name: 'interval', args: { seconds: 60 } }), T0)).toEqual({ result: undefined, effect: {}, repeat: false });
    expect(silent.handle(id(1), cmd({ name: 'interval', args: { seconds: 60 } }), T0 + 1)).toEqual({ result: undefined, effect: {}, repeat: true });
    expect(silent.state.intervalS).toBeUndefined();
    const failing = new DeviceCommands('board', { failRate: 1, silentRate: 0 }, seededRng(7));
    expect(failing.handle(id(1), cmd({ name: 'power', args: { state: 'off' } }), T0).result).toMatchObject({ ok: false, message: 'device busy, try again later' });
    expect(failing.state.power).toBeUndefined();
  });

  it('changes what the device reports, until the next lesson for power and stop', () => {
    const d = new DeviceCommands('board', NONE, seededRng(1));
    const on = { power: 'on', touches: 12, brightness: 80, input: 'ops', uptime: 600 };
    d.handle(id(1), cmd({ name: 'power', args: { state: 'off' } }), T0);
    expect(d.adjust(on, true)).toMatchObject({ power: 'off', touches: 0, brightness: 0, input: 'none' });
    expect(d.adjust({ ...on, power: 'standby', touches: 0 }, false)).toMatchObject({ power: 'off' });
    // The next lesson: the teacher switches the board on.
    expect(d.adjust(on, true)).toMatchObject({ power: 'on', touches: 12 });
    d.handle(id(2), cmd({ name: 'input', args: { source: 'hdmi2' } }), T0);
    expect(d.adjust(on, true).input).toBe('hdmi2');
    // Switched on in the evening: on, lit, on the chosen input, until the next lesson.
    d.handle(id(3), cmd({ name: 'power', args: { state: 'on' } }), T0);
    expect(d.adjust({ power: 'off', touches: 0, brightness: 0, input: 'none', uptime: 0 }, false)).toMatchObject({ power: 'on', brightness: 80, input: 'hdmi2' });
    const v = new DeviceCommands('vr', NONE, seededRng(1));
    v.handle(id(1), cmd({ name: 'stop' }), T0);
    expect(v.adjust({ inSession: true }, true).inSession).toBe(false);
    expect(v.adjust({ inSession: false }, false).inSession).toBe(false);
    expect(v.adjust({ inSession: true }, true).inSession).toBe(true);
  });
});

describe('scenario commands section', () => {
  const base = { districts: [], schools: [] };
  it('defaults to devices that always obey', () => {
    expect(parseScenario(base).commands).toEqual({ failRate: 0, silentRate: 0 });
    expect(parseScenario({ ...base, commands: { failRate: 0.05 } }).commands).toEqual({ failRate: 0.05, silentRate: 0 });
  });
  it('refuses a misspelt rate naming the rates, a share over 1 and shares that add up to more than 1', () => {
    expect(() => parseScenario({ ...base, commands: { failureRate: 0.1 } })).toThrow('/commands/failureRate: unknown command rate; the rates are failRate, silentRate');
    expect(() => parseScenario({ ...base, commands: { failRate: 1.5 } })).toThrow(/\/commands\/failRate: /);
    expect(() => parseScenario({ ...base, commands: { failRate: 0.6, silentRate: 0.6 } })).toThrow('/commands: failRate + silentRate is 1.2; together they cannot exceed 1');
  });
});
