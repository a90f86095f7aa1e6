/** How long the oldest unsent reading has waited in the spool (gateway/spool-age.ts): pure arithmetic on marks. */
import { describe, expect, it } from 'vitest';
import { SpoolAge } from '../../gateway/spool-age.js';

describe('the age of the oldest unsent reading', () => {
  it('is 0 with nothing pending', () => {
    const a = new SpoolAge();
    expect(a.oldestMs(10_000, false)).toBe(0);
    a.appended({ segment: 1, offset: 0 }, 1000);
    expect(a.oldestMs(10_000, false)).toBe(0);
  });

  it('follows the writer: the time of the last mark at or before its checkpoint', () => {
    const a = new SpoolAge();
    a.appended({ segment: 1, offset: 0 }, 1000);
    a.appended({ segment: 1, offset: 100 }, 1500); // within a second of the last mark: not kept
    a.appended({ segment: 1, offset: 200 }, 2000);
    a.appended({ segment: 2, offset: 0 }, 3000);
    expect(a.oldestMs(5000, true)).toBe(4000);
    a.written({ segment: 1, offset: 150 }, false);
    expect(a.oldestMs(5000, true)).toBe(4000); // what follows offset 150 was appended from 1000 on
    a.written({ segment: 1, offset: 200 }, false);
    expect(a.oldestMs(5000, true)).toBe(3000);
    a.written({ segment: 2, offset: 10 }, false);
    expect(a.oldestMs(5000, true)).toBe(2000);
    a.written({ segment: 2, offset: 50 }, true);
    expect(a.oldestMs(5000, true)).toBe(0);
  });
});
