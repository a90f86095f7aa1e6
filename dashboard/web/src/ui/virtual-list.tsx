import type { ComponentChild } from 'preact';
import { useState } from 'preact/hooks';

/**
 * A list that renders only the rows in view (plus a margin): every row is `rowHeight` px tall, so a burst of
 * thousands of alerts costs the DOM a screenful, whatever the length.
 */
export function VirtualList<T>(p: { items: readonly T[]; rowHeight: number; height: number; row: (item: T, index: number) => ComponentChild; testid?: string; overscan?: number }) {
  const [top, setTop] = useState(0);
  const over = p.overscan ?? 8;
  const first = Math.max(0, Math.floor(top / p.rowHeight) - over);
  const last = Math.min(p.items.length, Math.ceil((top + p.height) / p.rowHeight) + over);
  return (
    <div data-testid={p.testid} style={{ height: `${p.height}px`, overflowY: 'auto', position: 'relative' }} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
      <div style={{ height: `${p.items.length * p.rowHeight}px`, position: 'relative' }}>
        {p.items.slice(first, last).map((item, i) => (
          <div key={first + i} style={{ position: 'absolute', top: `${(first + i) * p.rowHeight}px`, left: 0, right: 0, height: `${p.rowHeight}px` }}>
            {p.row(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}
