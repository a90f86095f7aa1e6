import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS, KINDS, parseMessage, parseTelemetry, parseTopic, StatusPayload, topics } from '../../protocol/index.js';

describe('protocol topics', () => {
  it('builds and parses every device topic', () => {
    expect(parseTopic(topics.telemetry('tablet-01'))).toEqual({ deviceId: 'tablet-01', channel: 'telemetry' });
    expect(parseTopic(topics.status('b.1'))).toEqual({ deviceId: 'b.1', channel: 'status' });
    expect(parseTopic(topics.command('x', 'c1'))).toEqual({ deviceId: 'x', channel: 'cmd', commandId: 'c1' });
    expect(parseTopic(topics.commandResult('x', 'c1'))).toEqual({ deviceId: 'x', channel: 'cmd-result', commandId: 'c1' });
  });

  it('refuses topics outside the protocol', () => {
    for (const t of ['edu/v2/x/telemetry', 'edu/v1/x', 'edu/v1/x/telemetry/extra', 'edu/v1/+/telemetry', '$SYS/x', 'edu/v1/x/cmd/#', 'edu/v1/x/other']) {
      expect(parseTopic(t), t).toBeNull();
    }
  });
});

describe('protocol readings', () => {
  it('accepts a valid reading of every kind, with and without ts', () => {
    const samples: Record<string, object> = {
      board: { power: 'on', temperature: 41.5, input: 'hdmi1', touches: 12, uptime: 3600 },
      tablet: { ts: 1_700_000_000_000, battery: 80, charging: false, storageFree: 10240, wifiRssi: -60, screenOn: true, locked: false },
      vr: { battery: 70, leftController: 60, rightController: 55, temperature: 36, inSession: true },
      sensor: { temperature: 30, humidity: 70, co2: 900, pm25: 12, light: 350, noise: 55, occupancy: 38 },
    };
    expect(Object.keys(samples).sort()).toEqual([...DEVICE_KINDS].sort());
    for (const kind of DEVICE_KINDS) {
      const r = parseTelemetry(kind, JSON.stringify(samples[kind]));
      expect(r.ok, `${kind}: ${JSON.stringify(r)}`).toBe(true);
    }
  });

  it('rejects a wrong type, an unknown field, an out-of-range value and an empty reading, naming the field', () => {
    const cases: [string, string][] = [
      ['{"battery":"full"}', 'battery'],
      ['{"battery":50,"colour":"blue"}', 'colour'],
      ['{"battery":150}', 'battery'],
      ['{}', 'reading'],
      ['[]', 'empty'],
      ['nope', 'JSON'],
      ['[{"battery":1},{"battery":"x"}]', '[1]'],
    ];
    for (const [payload, mention] of cases) {
      const r = parseTelemetry('tablet', payload);
      expect(r.ok, payload).toBe(false);
      if (!r.ok) expect(r.error, payload).toContain(mention);
    }
  });

  it('splits ts and seq from the fields', () => {
    const r = parseTelemetry('sensor', '{"ts":5,"seq":9,"co2":400}');
    expect(r).toEqual({ ok: true, value: [{ ts: 5, seq: 9, fields: { co2: 400 } }] });
  });

  it('gives every field of every kind a description, for docs/protocol.md', () => {
    for (const k of Object.values(KINDS)) {
      for (const [name, schema] of Object.entries(k.fields)) expect((schema as { description?: string }).description, `${k.kind}.${name}`).toBeTruthy();
    }
  });

  it('validates status messages', () => {
    expect(parseMessage(StatusPayload, '{"state":"online"}').ok).toBe(true);
    expect(parseMessage(StatusPayload, '{"state":"dancing"}').ok).toBe(false);
  });
});

describe('docs/protocol.md', () => {
  it('lists every field of every kind (regenerate with scripts/gen-docs.ts)', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync('docs/protocol.md', 'utf8');
    for (const k of Object.values(KINDS)) {
      expect(doc).toContain(`### \`${k.kind}\``);
      for (const name of Object.keys(k.fields)) expect(doc, `${k.kind}.${name}`).toContain(`| \`${name}\` |`);
    }
  });
});
