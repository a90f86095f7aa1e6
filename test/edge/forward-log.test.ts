import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ForwardLog } from '../../edge/forward-log.js';
import type { DeviceRecord, NewDeviceRecord } from '../../edge/records.js';
import { exited } from '../helpers/process.js';
import { tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'forward-log-child.ts');
const T0 = Date.UTC(2026, 11, 7, 1, 0);
const rec = (d: string, i: number): NewDeviceRecord => ({ d, c: 'telemetry', p: JSON.stringify({ ts: T0 + i * 60_000, battery: 50 }), at: T0 + i * 60_000 });

/** Everything the log would hand an export now. */
function readAll(log: ForwardLog, maxBytes = 1024): DeviceRecord[] {
  const out: DeviceRecord[] = [];
  let pos = log.start();
  for (;;) {
    const r = log.read(pos, maxBytes);
    out.push(...r.records);
    if (r.done) return out;
    pos = r.next;
  }
}

describe('the edge forward log', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir('edufleet-forward-');
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('gives each device its own sequence from 1 and reads records back in each device\'s order, in pieces bounded by bytes', async () => {
    const log = new ForwardLog({ dir: dir(), groupCommitMs: 1, segmentBytes: 4096 });
    await log.open();
    const appended = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => log.append([rec('a', i), rec('b', i)])));
    expect(appended.flat().filter((r) => r.d === 'a').map((r) => r.q)).toEqual([1, 2, 3, 4, 5, 6]);
    const pos = log.start();
    const first = log.read(pos, 1);
    expect(first.records).toHaveLength(1);
    expect(first.done).toBe(false);
    const all = readAll(log, 300);
    expect(all.filter((r) => r.d === 'b').map((r) => r.q)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(all[0]).toEqual({ ...rec('a', 0), q: 1 });
    expect(log.stats()).toMatchObject({ records: 12, oldestAt: T0 });
    await log.close();
  });

  it('forgets confirmed records, deletes segments wholly confirmed, and never gives a confirmed q again after a restart', async () => {
    const d = dir();
    let log = new ForwardLog({ dir: d, groupCommitMs: 1, segmentBytes: 4096 });
    await log.open();
    for (let i = 0; i < 200; i++) await log.append([rec('a', i), rec('b', i)]);
    const segments = readdirSync(d).filter((f) => f.startsWith('segment-')).length;
    expect(segments).toBeGreaterThan(3);
    await log.confirm({ a: 200, b: 150 });
    expect(readAll(log).map((r) => `${r.d}${r.q}`)).toEqual(Array.from({ length: 50 }, (_, i) => `b${151 + i}`));
    expect(log.stats().records).toBe(50);
    expect(readdirSync(d).filter((f) => f.startsWith('segment-')).length).toBeLessThan(segments);
    // A lower confirmation changes nothing.
    await log.confirm({ b: 10 });
    expect(log.confirmed()).toEqual({ a: 200, b: 150 });
    await log.close();

    log = new ForwardLog({ dir: d, groupCommitMs: 1, segmentBytes: 4096 });
    await log.open();
    expect(log.confirmed()).toEqual({ a: 200, b: 150 });
    expect(readAll(log)).toHaveLength(50);
    await log.confirm({ b: 200 });
    expect(log.stats()).toEqual({ records: 0, bytes: 0, oldestAt: null });
    await log.close();
    // Every record confirmed and compacted: the next q still follows the confirmed one.
    log = new ForwardLog({ dir: d, groupCommitMs: 1, segmentBytes: 4096 });
    await log.open();
    expect((await log.append([rec('a', 300)]))[0]!.q).toBe(201);
    // The province has more than this log ever gave (a disk restored from an older copy): the next q goes past it.
    await log.confirm({ c: 7 });
    expect((await log.append([rec('c', 0)]))[0]!.q).toBe(8);
    await log.close();
  });

  it('opened read-only beside a running edge, reads whole records only and cuts, writes and confirms nothing', async () => {
    const d = dir();
    const writer = new ForwardLog({ dir: d, groupCommitMs: 1, segmentBytes: 1 << 20 });
    await writer.open();
    await writer.append([rec('a', 0), rec('a', 1)]);
    // The running edge is in the middle of writing its next record.
    const seg = path.join(d, readdirSync(d).find((f) => f.startsWith('segment-'))!);
    appendFileSync(seg, '{"d":"a","q":3,"c":"tele');
    const size = statSync(seg).size;
    const reader = new ForwardLog({ dir: d, groupCommitMs: 1, segmentBytes: 1 << 20, readOnly: true });
    await reader.open();
    expect(readAll(reader).map((r) => r.q)).toEqual([1, 2]);
    expect(statSync(seg).size).toBe(size);
    await expect(reader.append([rec('a', 2)])).rejects.toThrow(/read only/);
    await expect(reader.confirm({ a: 1 })).rejects.toThrow(/read only/);
    await reader.close();
    await writer.close();
  });

  it('killed with SIGKILL at any moment, loses no acknowledged record, gives no q twice and confirms nothing twice', async () => {
    const d = dir();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, d], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    await waitFor('3000 acknowledged records and some confirmations', () => (out.match(/^A /gm)?.length ?? 0) >= 3000 && out.includes('\nC '), 60_000);
    child.kill('SIGKILL');
    await exited(child);
    // Only whole lines: the kill may cut the last one.
    const lines = out.slice(0, out.lastIndexOf('\n')).split('\n');
    const acked = lines.filter((l) => l.startsWith('A ')).map((l) => l.split(' ')).map(([, dev, q]) => ({ d: dev!, q: Number(q) }));
    const lastConfirm = JSON.parse(lines.filter((l) => l.startsWith('C ')).at(-1)!.slice(2)) as Record<string, number>;

    const log = new ForwardLog({ dir: d, groupCommitMs: 1, segmentBytes: 4096 });
    await log.open();
    const confirmed = log.confirmed();
    for (const [dev, q] of Object.entries(lastConfirm)) expect(confirmed[dev]).toBeGreaterThanOrEqual(q);
    const left = readAll(log, 64 * 1024);
    // Confirmed records are not handed out again; the rest of each device follows its confirmed q without a hole or a repeat.
    const byDevice = new Map<string, number[]>();
    for (const r of left) byDevice.set(r.d, [...(byDevice.get(r.d) ?? []), r.q]);
    for (const [dev, qs] of byDevice) {
      const from = (confirmed[dev] ?? 0) + 1;
      expect(qs).toEqual(Array.from({ length: qs.length }, (_, i) => from + i));
    }
    const kept = new Set(left.map((r) => `${r.d}:${r.q}`));
    const lost = acked.filter((a) => a.q > (confirmed[a.d] ?? 0) && !kept.has(`${a.d}:${a.q}`));
    expect(lost).toEqual([]);
    // The next q of each device is past every q it acknowledged.
    const next = await log.append(['dev-0', 'dev-1', 'dev-2', 'dev-3', 'dev-4'].map((dev) => rec(dev, 0)));
    for (const r of next) expect(r.q).toBeGreaterThan(Math.max(...acked.filter((a) => a.d === r.d).map((a) => a.q)));
    await log.close();
  });
});
