import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandsOf, DEVICE_KINDS, parseCommand } from '../../protocol/index.js';

/** A valid payload for every command of every kind: the device contract as a device maker would test it. */
const VALID: Record<string, Record<string, Record<string, unknown>>> = {
  board: { power: { state: 'standby' }, input: { source: 'hdmi1' }, message: { text: 'Họp hội đồng lúc 16:00', minutes: 30 }, restart: {}, volume: { level: 40 } },
  tablet: { lock: {}, unlock: {}, ring: { seconds: 30 }, message: { text: 'Nộp bài trước 10:00', minutes: 5 }, restart: {} },
  vr: { kiosk: { app: 'vn.edu.solar-system' }, stop: {}, restart: {} },
  sensor: { interval: { seconds: 60 }, calibrate: { field: 'co2' } },
};

describe('commands per kind', () => {
  it('lists the commands of every kind, each with its labels and harm flag', () => {
    for (const kind of DEVICE_KINDS) {
      expect(commandsOf(kind).map((c) => c.name).sort()).toEqual(Object.keys(VALID[kind]!).sort());
      for (const c of commandsOf(kind)) {
        expect(c.label.vi).not.toBe(c.label.en);
        expect(c.description.vi.length).toBeGreaterThan(10);
      }
    }
    expect(commandsOf('toaster')).toEqual([]);
    const harmful = (kind: keyof typeof COMMANDS) => COMMANDS[kind].filter((c) => c.harmful).map((c) => c.name);
    expect(harmful('board')).toEqual(['power', 'restart']);
    expect(harmful('tablet')).toEqual(['restart']);
    expect(harmful('sensor')).toEqual([]);
  });

  it('accepts every command of every kind, as JSON bytes and as an object', () => {
    for (const [kind, cmds] of Object.entries(VALID)) {
      for (const [name, args] of Object.entries(cmds)) {
        const r = parseCommand(kind, Buffer.from(JSON.stringify({ name, args, expiresAt: 1_800_000_000_000 })));
        expect(r, `${kind} ${name}`).toMatchObject({ ok: true, value: { name, args, expiresAt: 1_800_000_000_000 } });
      }
    }
    // No args at all is the same as {} for a command without arguments, and optional arguments may be left out.
    expect(parseCommand('tablet', { name: 'lock' })).toMatchObject({ ok: true, value: { name: 'lock', args: {} } });
    expect(parseCommand('sensor', { name: 'calibrate' })).toMatchObject({ ok: true, value: { args: {} } });
  });

  it('refuses an unknown command naming the valid ones', () => {
    const r = parseCommand('vr', { name: 'lock' });
    expect(r).toEqual({ ok: false, error: "unknown command 'lock' for a vr; the commands are kiosk, stop, restart" });
    expect(parseCommand('toaster', { name: 'restart' })).toEqual({ ok: false, error: "unknown device kind 'toaster'" });
  });

  it('refuses bad arguments naming the argument', () => {
    const bad = (kind: string, payload: object) => {
      const r = parseCommand(kind, payload);
      if (r.ok) throw new Error(`accepted ${JSON.stringify(payload)}`);
      return r.error;
    };
    expect(bad('board', { name: 'power', args: { state: 'sleep' } })).toMatch(/^power: args\.state: /);
    expect(bad('board', { name: 'power', args: {} })).toMatch(/^power: args\.state: /);
    expect(bad('board', { name: 'volume', args: { level: 101 } })).toMatch(/^volume: args\.level: .*100/);
    // Quoted in docs/protocol.md.
    expect(bad('board', { name: 'volume', args: { level: 140 } })).toBe('volume: args.level: Expected integer to be less or equal to 100');
    expect(bad('board', { name: 'input', args: { source: 'x'.repeat(33) } })).toMatch(/^input: args\.source: .*32/);
    expect(bad('board', { name: 'message', args: { text: 'x'.repeat(501), minutes: 5 } })).toMatch(/^message: args\.text: .*500/);
    expect(bad('tablet', { name: 'message', args: { text: 'Xin chào', minutes: 241 } })).toMatch(/^message: args\.minutes: .*240/);
    expect(bad('tablet', { name: 'ring', args: { seconds: 4 } })).toMatch(/^ring: args\.seconds: .*5/);
    expect(bad('vr', { name: 'kiosk', args: { app: 'x'.repeat(129) } })).toMatch(/^kiosk: args\.app: .*128/);
    expect(bad('sensor', { name: 'interval', args: { seconds: 3601 } })).toMatch(/^interval: args\.seconds: .*3600/);
    expect(bad('sensor', { name: 'interval', args: { seconds: 7.5 } })).toMatch(/^interval: args\.seconds: .*integer/i);
    expect(bad('tablet', { name: 'lock', args: { force: true } })).toBe('lock: args.force: Unexpected property (lock takes no arguments)');
    expect(bad('sensor', { name: 'calibrate', args: { fieldName: 'co2' } })).toBe('calibrate: args.fieldName: Unexpected property (calibrate takes field)');
  });

  it('refuses a broken envelope', () => {
    expect(parseCommand('board', Buffer.from('{not json'))).toEqual({ ok: false, error: 'payload is not valid JSON' });
    expect(parseCommand('board', { args: {} })).toMatchObject({ ok: false, error: expect.stringMatching(/name/) });
    expect(parseCommand('board', { name: 'restart', expiresAt: -1 })).toMatchObject({ ok: false, error: expect.stringMatching(/^expiresAt: /) });
    expect(parseCommand('board', { name: 'restart', priority: 1 })).toMatchObject({ ok: false, error: 'priority: Unexpected property' });
  });
});

describe('docs/protocol.md', () => {
  it('lists every command of every kind with its arguments and harm', () => {
    const doc = readFileSync('docs/protocol.md', 'utf8');
    for (const kind of DEVICE_KINDS) {
      for (const c of commandsOf(kind)) {
        const row = doc.split('\n').find((l) => l.startsWith(`| \`${kind}\` | \`${c.name}\` |`));
        expect(row, `${kind} ${c.name}`).toBeDefined();
        const cells = row!.split(' | ');
        expect(cells[3], `${kind} ${c.name} harmful`).toBe(c.harmful ? 'yes' : 'no');
        const args = Object.keys(c.args.properties);
        if (!args.length) expect(cells[2]).toBe('none');
        for (const a of args) expect(cells[2], `${kind} ${c.name} ${a}`).toMatch(new RegExp(`\`${a}\`\\??:`));
      }
    }
  });
});
