import { describe, expect, it } from 'vitest';
import { parseRecords, qRanges, resolveTimes, uniqueTimes } from '../../edge/records.js';

describe('edge records', () => {
  it('reports bad records with their position and keeps the good ones', () => {
    const good = { d: 'board-1', q: 1, c: 'telemetry', p: '{"ts":1,"power":"on"}', at: 5 };
    const { records, bad } = parseRecords([
      JSON.stringify(good), 'not json', JSON.stringify({ ...good, q: 0 }), JSON.stringify({ ...good, c: 'gossip' }),
      JSON.stringify({ ...good, k: 'alert' }), JSON.stringify({ ...good, c: 'result' }), JSON.stringify({ ...good, extra: 1 }),
      JSON.stringify({ ...good, q: 2, c: 'result', cmd: 'c-1' }),
    ]);
    expect(records.map((r) => r.q)).toEqual([1, 2]);
    expect(bad).toEqual([
      { position: 2, error: 'not JSON' },
      { position: 3, error: 'q: not a sequence number from 1' },
      { position: 4, error: expect.stringContaining("unknown channel 'gossip'") },
      { position: 5, error: "unknown record kind 'alert'" },
      { position: 6, error: 'cmd: a result names its command' },
      { position: 7, error: "unknown field 'extra'" },
    ]);
  });

  it('gives a reading without a time the edge\'s time of arrival, unique per device, and leaves timed readings alone', () => {
    const unique = uniqueTimes();
    const p = resolveTimes('telemetry', JSON.stringify([{ battery: 1 }, { battery: 2 }, { ts: 7, battery: 3 }]), 1000, unique('tab-1'));
    expect(JSON.parse(p)).toEqual([{ battery: 1, ts: 1000 }, { battery: 2, ts: 1001 }, { ts: 7, battery: 3 }]);
    expect(JSON.parse(resolveTimes('event', '{"type":"boot"}', 1000, unique('tab-1')))).toEqual({ type: 'boot', ts: 1002 });
    expect(JSON.parse(resolveTimes('event', '{"type":"boot"}', 1000, unique('tab-2')))).toEqual({ type: 'boot', ts: 1000 });
    expect(resolveTimes('attributes', '{"model":"X"}', 1000)).toBe('{"model":"X"}');
    expect(resolveTimes('telemetry', 'garbage', 1000)).toBe('garbage');
  });

  it('sums up the q range of each device', () => {
    const r = (d: string, q: number) => ({ d, q, c: 'status' as const, p: '{}', at: 0 });
    expect(qRanges([r('a', 3), r('b', 1), r('a', 5), r('a', 4)])).toEqual({ a: { from: 3, to: 5 }, b: { from: 1, to: 1 } });
  });
});
