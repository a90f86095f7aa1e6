/**
 * The contract every telemetry writer keeps (gateway/telemetry-writer.ts), run by each writer's test file against
 * its real server, as aedes-persistence's backends share one suite: the spool's lines go in as they are and come
 * back complete with their exact timestamps; a server down is a failure to retry (never a drop) and nothing is
 * lost once it is back; content the server cannot take is a PermanentWriteError, which the writer loop drops.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toLine, type Point } from '../../gateway/line-protocol.js';
import { PermanentWriteError, type TelemetryWriter } from '../../gateway/telemetry-writer.js';
import { waitFor } from '../helpers/wait.js';

export interface WriterTarget {
  writer: TelemetryWriter;
  /** The numeric fields the server holds for a measurement, as `device|field|ts` → value (booleans as 1 and 0). */
  numbers(measurement: string): Promise<Map<string, number>>;
  /** The string fields it holds (`device|field|ts` → value), or undefined for a server that keeps none. */
  strings?(measurement: string): Promise<Map<string, string>>;
  /** A line this server refuses for its content with a 4xx (each server has its own limits and grammar). */
  refusedLine(measurement: string): string;
  /** Stops the server (its data kept) and starts it again on the same address. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A fresh measurement per case, so the cases share one server without reading each other's points. */
const measurement = (): string => `telemetry_contract_${randomBytes(4).toString('hex')}`;

/** Points as the gateway spools them: three devices, numbers with fractions and large counters, a flag and a note. */
function points(m: string, n: number, t0: number): Point[] {
  return Array.from({ length: n }, (_, i) => ({
    m,
    t: { device: `TB-${i % 3}`, kind: 'tablet', room: '7', site: '3', school: '2', district: '1' },
    f: { battery: (i % 100) + 0.25, uptime_s: 86_400 * 400 + i, charging: i % 2 === 0, note: `lớp 10A${i % 3} "ghi chú"` },
    ts: t0 + i * 1000 + (i % 7),
  }));
}

function body(ps: Point[]): Buffer {
  return Buffer.from(ps.map(toLine).join('\n') + '\n', 'utf8');
}

function expectedNumbers(ps: Point[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of ps) {
    for (const [k, v] of Object.entries(p.f)) {
      if (typeof v === 'number') out.set(`${p.t.device}|${k}|${p.ts}`, v);
      else if (typeof v === 'boolean') out.set(`${p.t.device}|${k}|${p.ts}`, v ? 1 : 0);
    }
  }
  return out;
}

function expectedStrings(ps: Point[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of ps) for (const [k, v] of Object.entries(p.f)) if (typeof v === 'string') out.set(`${p.t.device}|${k}|${p.ts}`, v);
  return out;
}

const sorted = <V>(m: Map<string, V>): [string, V][] => [...m].sort(([a], [b]) => a.localeCompare(b));

/**
 * The numbers a server holds for the points. A server without string fields may keep a placeholder for them
 * (VictoriaMetrics stores a string field as a series of 0): not a reading, so left out, for such a server only.
 */
async function numbersOf(t: WriterTarget, m: string, ps: Point[]): Promise<Map<string, number>> {
  const got = await t.numbers(m);
  if (t.strings) return got;
  const stringFields = new Set(ps.flatMap((p) => Object.keys(p.f).filter((k) => typeof p.f[k] === 'string')));
  for (const k of [...got.keys()]) if (stringFields.has(k.split('|')[1]!)) got.delete(k);
  return got;
}

/** Waits until the server holds exactly the points' numbers (a server may make a write searchable a moment later). */
async function readBack(t: WriterTarget, m: string, ps: Point[]): Promise<void> {
  const want = expectedNumbers(ps);
  let got = new Map<string, number>();
  await waitFor(`${want.size} numeric values of ${m}`, async () => (got = await numbersOf(t, m, ps)).size >= want.size, 20_000).catch(() => undefined);
  expect(sorted(got)).toEqual(sorted(want));
  if (t.strings) expect(sorted(await t.strings(m))).toEqual(sorted(expectedStrings(ps)));
}

/** The writer contract, as one `describe` of the calling test file; `target` is ready once its beforeAll ran. */
export function writerContract(name: string, target: () => WriterTarget): void {
  describe(`${name} keeps the writer contract`, () => {
    it('writes a batch of spooled lines as they are, and every numeric field of every point reads back with its exact timestamp', async () => {
      const t = target();
      const m = measurement();
      const ps = points(m, 600, Date.now() - 3_600_000);
      await t.writer.writeBatch(body(ps));
      await readBack(t, m, ps);
    });

    it('reports a batch written while the server is down as failed (to retry, not to drop), and loses nothing of it once the server is back', async () => {
      const t = target();
      const m = measurement();
      const ps = points(m, 50, Date.now() - 1_800_000);
      await t.stop();
      try {
        const err = await t.writer.writeBatch(body(ps)).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect(err).not.toBeInstanceOf(PermanentWriteError);
      } finally {
        await t.start();
      }
      // The writer loop's retry: the same bytes again, until the server takes them.
      await waitFor('the retried batch to be written', () => t.writer.writeBatch(body(ps)).then(() => true));
      await readBack(t, m, ps);
    });

    it('reports a batch the server refuses for its content (a 4xx) as bad data (PermanentWriteError), the error the writer loop drops a batch for', async () => {
      const t = target();
      const m = measurement();
      const err = await t.writer.writeBatch(Buffer.from(`${t.refusedLine(m)}\n`)).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentWriteError);
      // The writer goes on: the next batch is written.
      const ps = points(m, 5, Date.now() - 600_000);
      await t.writer.writeBatch(body(ps));
      await readBack(t, m, ps);
    });
  });
}
