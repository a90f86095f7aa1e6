import type { SpoolPosition } from './spool.js';

/** At most one mark per this many milliseconds: an hour of InfluxDB outage keeps 3,600 marks, not one per fsync. */
const MARK_EVERY_MS = 1000;

const before = (a: SpoolPosition, b: SpoolPosition): boolean => a.segment < b.segment || (a.segment === b.segment && a.offset <= b.offset);

/**
 * How long the oldest acknowledged reading not yet in InfluxDB has waited in the spool: what a node's permanent loss
 * would cost (docs/operations.md, Several machines). The spool notes where in its log each second's appends begin;
 * the oldest unsent reading's time is that of the last mark at or before the writer's checkpoint, so the age is
 * exact to within a second, and never younger than the truth.
 */
export class SpoolAge {
  /** In log order: data from `pos` on was appended at `at` or later. */
  private marks: { pos: SpoolPosition; at: number }[] = [];

  /** Records durable at `at` begin at `pos`. */
  appended(pos: SpoolPosition, at: number): void {
    const last = this.marks.at(-1);
    if (!last || at - last.at >= MARK_EVERY_MS) this.marks.push({ pos, at });
  }

  /** The writer has committed everything before `cursor`; `drained` when nothing is left after it. */
  written(cursor: SpoolPosition, drained: boolean): void {
    if (drained) {
      this.marks = [];
      return;
    }
    let i = 0;
    while (i + 1 < this.marks.length && before(this.marks[i + 1]!.pos, cursor)) i++;
    if (i > 0) this.marks = this.marks.slice(i);
  }

  /** Milliseconds the oldest unsent reading has waited (0 when the spool has nothing pending). */
  oldestMs(now: number, pending: boolean): number {
    const first = this.marks[0];
    return pending && first ? Math.max(0, now - first.at) : 0;
  }
}
