import { describe, expect, it } from 'vitest';
import { badReading, newBody, reading } from '../../device-sim/behaviour.js';
import { countDevices, parseScenario, provinceScenario } from '../../device-sim/index.js';
import { seededRng } from '../../device-sim/random.js';
import { DEVICE_KINDS, parseTelemetry } from '../../protocol/index.js';

describe('the simulated province', () => {
  it('is the same for the same seed and scales to the devices asked for', () => {
    const a = provinceScenario({ devices: 2000, seed: 7 });
    expect(provinceScenario({ devices: 2000, seed: 7 })).toEqual(a);
    expect(countDevices(a)).toBeGreaterThanOrEqual(2000);
    expect(countDevices(a)).toBeLessThan(2100);
    expect(a.schools.some((s) => s.district === null)).toBe(true);
    expect(a.schools[0]!.name).toBe('Trường THPT Chuyên Lào Cai');
    expect(new Set(a.schools.map((s) => s.code)).size).toBe(a.schools.length);
  });

  it('produces readings of every kind that the protocol accepts, and bad readings it refuses', () => {
    const rng = seededRng(3);
    for (const kind of DEVICE_KINDS) {
      const body = newBody(rng);
      for (const ctx of [{ inUse: true, open: true }, { inUse: false, open: true }, { inUse: false, open: false }]) {
        const r = reading(kind, body, { ...ctx, capacity: 40, dtS: 10, now: 0 }, rng);
        expect(parseTelemetry(kind, JSON.stringify({ ts: 1, ...r })).ok, `${kind} ${JSON.stringify(r)}`).toBe(true);
      }
      expect(parseTelemetry(kind, JSON.stringify(badReading(kind))).ok).toBe(false);
    }
  });

  it('refuses a scenario file with errors, listing each with its path', () => {
    expect(() => parseScenario({ districts: [], schools: [{ code: 'A', name: 'x', level: 'university', district: 'NOPE', sites: [] }] }))
      .toThrow(/\/schools\/0\/level/);
    expect(() => parseScenario({ districts: [], schools: [{ code: 'A', name: 'x', level: 'thpt', district: 'NOPE', sites: [] }] }))
      .toThrow(/unknown district 'NOPE'/);
  });
});

describe('scenarios/small-district.json', () => {
  it('is a valid scenario', async () => {
    const { loadScenario } = await import('../../device-sim/index.js');
    expect(countDevices(loadScenario('scenarios/small-district.json'))).toBe(59);
  });
});
