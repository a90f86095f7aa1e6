import { appendFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool } from '../../gateway/spool.js';
import { tempDir } from '../helpers/stack.js';

describe('the durable spool', () => {
  const dirs: string[] = [];
  const make = async (dir = tempDir('edufleet-spool-'), segmentBytes = 1 << 20) => {
    dirs.push(dir);
    const s = new Spool({ dir, groupCommitMs: 1, segmentBytes });
    await s.open();
    return { s, dir };
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('reads back in order what was appended, and nothing twice after a commit', async () => {
    const { s } = await make();
    await Promise.all([s.append(['a', 'b']), s.append(['c'])]);
    const b1 = s.read(2);
    expect(b1.lines).toEqual(['a', 'b']);
    s.commit(b1.next);
    expect(s.read(10).lines).toEqual(['c']);
    await s.close();
  });

  it('replays everything after the checkpoint when reopened, as after a crash', async () => {
    const { s, dir } = await make();
    await s.append(['1', '2', '3']);
    s.commit(s.read(1).next);
    await s.close();
    const { s: again } = await make(dir);
    expect(again.read(10).lines).toEqual(['2', '3']);
    await again.close();
  });

  it('cuts off a torn last record left by a crash mid-write', async () => {
    const { s, dir } = await make();
    await s.append(['whole']);
    await s.close();
    const seg = readdirSync(dir).find((f) => f.startsWith('segment-'))!;
    appendFileSync(path.join(dir, seg), '{"half');
    const { s: again } = await make(dir);
    await again.append(['next']);
    expect(again.read(10).lines).toEqual(['whole', 'next']);
    await again.close();
  });

  it('rotates segments and deletes those wholly written', async () => {
    const { s, dir } = await make(undefined, 4096);
    const rec = 'x'.repeat(1000);
    for (let i = 0; i < 10; i++) await s.append([rec]);
    expect(readdirSync(dir).filter((f) => f.startsWith('segment-')).length).toBeGreaterThan(1);
    let total = 0;
    for (;;) {
      const b = s.read(3);
      if (!b.lines.length) break;
      total += b.lines.length;
      s.commit(b.next);
    }
    expect(total).toBe(10);
    expect(s.pendingBytes()).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('segment-')).length).toBe(1);
    await s.close();
  });
});
