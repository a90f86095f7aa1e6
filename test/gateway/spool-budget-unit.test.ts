import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool, SpoolFullError } from '../../gateway/spool.js';
import { connectionCap } from '../../lib/limits.js';
import { tempDir } from '../helpers/stack.js';

const BUDGET = 65_536;
/** Ten records of 100 bytes each, newline included. */
const chunk = (k: number) => Array.from({ length: 10 }, (_, i) => `${String(k).padStart(6, '0')}-${String(i).padStart(2, '0')}-${'x'.repeat(89)}`);

describe('the spool disk budget (Spool alone)', () => {
  const dirs: string[] = [];
  const make = async (opts: Partial<ConstructorParameters<typeof Spool>[0]> = {}) => {
    const dir = tempDir('edufleet-spool-budget-');
    dirs.push(dir);
    const s = new Spool({ dir, groupCommitMs: 1, segmentBytes: 1 << 20, maxBytes: BUDGET, ...opts });
    await s.open();
    return { s, dir };
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** Appends chunks until the spool refuses one; returns how many it took. */
  async function fill(s: Spool): Promise<{ taken: number; refusal: SpoolFullError }> {
    for (let k = 0; ; k++) {
      try {
        await s.append(chunk(k));
      } catch (err) {
        return { taken: k, refusal: err as SpoolFullError };
      }
    }
  }

  /** What the writer does: reads everything and commits it. */
  function drain(s: Spool): number {
    let n = 0;
    for (let b = s.read(1000); b.lines.length; b = s.read(1000)) {
      n += b.lines.length;
      s.commit(b.next);
    }
    return n;
  }

  it('refuses an append past the budget, stays shut until a tenth is free, and opens once written segments go', async () => {
    const { s, dir } = await make();
    const { taken, refusal } = await fill(s);
    expect(refusal).toBeInstanceOf(SpoolFullError);
    expect(refusal.code).toBe('EDUFLEET_ERR_SPOOL_FULL');
    expect(taken).toBe(Math.floor(BUDGET / 1000));
    expect(s.usage()).toEqual({ usedBytes: taken * 1000, maxBytes: BUDGET });
    // Segments are a quarter of the budget at most (segmentBytes was 1 MiB), so writing them out frees room.
    expect(readdirSync(dir).filter((f) => f.startsWith('segment-')).length).toBeGreaterThanOrEqual(4);
    // A record that would fit is refused too: no flapping at the edge.
    await expect(s.append(['small'])).rejects.toBeInstanceOf(SpoolFullError);

    expect(drain(s)).toBe(taken * 10);
    expect(s.usage().usedBytes).toBeLessThan(BUDGET / 4 + 1000);
    await s.append(['after']);
    expect(s.read(10).lines).toEqual(['after']);
    await s.close();
  });

  it('gets out of a full budget held by one segment that could not be rotated', async () => {
    let recovered!: () => void;
    const rotated = new Promise<void>((r) => { recovered = r; });
    const faults: string[] = [];
    const { s, dir } = await make({ onFault: (err) => faults.push((err as { code: string }).code), onRecovered: () => recovered() });
    // A directory where the next segment goes: opening it fails, as EMFILE would, and appends go on into segment 1.
    const blocker = path.join(dir, 'segment-00000002.log');
    mkdirSync(blocker);
    const { taken } = await fill(s);
    expect(faults[0]).toBe('EISDIR');
    expect(readdirSync(dir).filter((f) => f.startsWith('segment-'))).toEqual(['segment-00000001.log', 'segment-00000002.log']);
    rmSync(blocker, { recursive: true });

    // The writer reads segment 1 to its end: the spool starts segment 2 by itself, and the next pass deletes segment 1.
    expect(drain(s)).toBe(taken * 10);
    await rotated;
    const hop = s.read(1000);
    expect(hop.lines).toEqual([]);
    expect(hop.next.segment).toBeGreaterThan(s.position().segment);
    s.commit(hop.next);
    expect(s.usage().usedBytes).toBe(0);
    await s.append(['open again']);
    expect(s.read(10).lines).toEqual(['open again']);
    await s.close();
  });
});

describe('the connection cap', () => {
  it('keeps a reserve of fileReserve, at most a fifth of the limit, unless maxConnections is set', () => {
    expect(connectionCap(65_536, { maxConnections: 0, fileReserve: 1024 })).toEqual({ connectionCap: 64_512, reserve: 1024, capSource: 'derived' });
    expect(connectionCap(500, { maxConnections: 0, fileReserve: 1024 })).toEqual({ connectionCap: 400, reserve: 100, capSource: 'derived' });
    expect(connectionCap(65_536, { maxConnections: 25_000, fileReserve: 1024 })).toEqual({ connectionCap: 25_000, reserve: 1024, capSource: 'config' });
  });
});
