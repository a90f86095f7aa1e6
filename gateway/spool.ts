import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../lib/private-files.js';
import { EdufleetError } from '../lib/errors.js';
import { GroupCommit, type GroupWaiters } from '../lib/group-commit.js';
import { listSegments, segmentName as segName, trimTornTail } from '../lib/segment-files.js';
import { SpoolAge } from './spool-age.js';

export interface SpoolPosition { segment: number; offset: number }

/** Records read from the spool, as bytes: the writer sends them to InfluxDB as they are, without decoding them. */
export class SpoolBatch {
  constructor(
    /** `count` records, each ending in a newline. */
    readonly data: Buffer,
    readonly count: number,
    /** Where the reader continues once this batch is committed. */
    readonly next: SpoolPosition,
  ) {}

  /** The records as strings (tests and tools; the writer never decodes them). */
  get lines(): string[] {
    return this.count ? this.data.toString('utf8', 0, this.data.length - 1).split('\n') : [];
  }
}

export interface SpoolOptions {
  dir: string;
  /** How long appends gather before one fsync covers them all (group commit). */
  groupCommitMs: number;
  /** Segment size before a new file is started; fully written segments are deleted. */
  segmentBytes: number;
  /** Told about a fault the spool works around by itself (a segment it could not start yet). */
  onFault?: (err: unknown, context: string) => void;
  /** Told when a new segment could be started again after such a fault. */
  onRecovered?: (context: string) => void;
  /**
   * Told once per group commit whether the disk took it (`err` undefined) or not, and once per append refused for
   * the budget (a SpoolFullError): the owner's health follows appends without a callback on every append's promise.
   */
  onAppendOutcome?: (err?: unknown) => void;
  /**
   * Disk budget: an append that would take the segments past it is refused (nothing acknowledged) until the writer
   * has taken readings out. Segments are then at most a quarter of it, so deleting written ones always frees room.
   */
  maxBytes?: number;
}

/**
 * A second reader that follows the writer (the mirror, gateway/mirror-loop.ts): the segments it has not read yet are
 * kept for it, within the budget; it reads only what the writer has committed.
 */
export interface SpoolFollower {
  /** Where it has got to. */
  position(): SpoolPosition;
  /**
   * The budget needs the segments before `to.segment` for the devices: the follower moves on to `to` without the
   * `records` it had not read yet (it counts them as lost; the writer has written them).
   */
  skip(to: SpoolPosition, records: number): void;
}

/** An append refused because the spool is at its disk budget. */
export class SpoolFullError extends EdufleetError {
  constructor(readonly usedBytes: number, readonly maxBytes: number) {
    super('EDUFLEET_ERR_SPOOL_FULL', `spool full: ${usedBytes} of ${maxBytes} bytes`);
  }
}

const READ_CHUNK = 4 * 1024 * 1024;

/** The records of one group commit, and their size as `append` counts it for the budget. */
interface AppendGroup { buf: string[]; bytes: number }

/**
 * The durable spool: an append-only log of newline-terminated records in segment files, plus a checkpoint of how far
 * the writer has got. `append` resolves only after the records are fsynced (one fdatasync for every append that
 * arrived meanwhile), which is what lets the broker acknowledge a QoS 1 reading. The writer reads from the
 * checkpoint to the durable end, so a restart replays exactly what was acknowledged and not yet written.
 */
export class Spool {
  private fh: FileHandle | undefined;
  private writeSegment = 1;
  /** Bytes of the write segment that are known to be on disk. */
  private durableOffset = 0;
  private cursor: SpoolPosition = { segment: 1, offset: 0 };
  /** Gathers appends for the next fsync; every append of a group shares one promise (no allocation per append). */
  private readonly commits: GroupCommit<AppendGroup>;
  /** Bytes of every segment on disk, and of appends not yet on disk: what the budget is checked against. */
  private diskBytes = 0;
  private queuedBytes = 0;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private full = false;
  private sizes = new Map<number, number>();
  private listeners: (() => void)[] = [];
  /** Reused by every read: the writer reads a batch every few milliseconds under load. */
  private readBuf = Buffer.allocUnsafe(READ_CHUNK);
  private closed = false;
  private readonly age = new SpoolAge();
  /** Records acknowledged but not yet committed by the writer (what pendingBytes counts, in records). */
  private pendingCount = 0;
  /** The last batch read: committing it takes its count off without reading its bytes again. */
  private lastRead: { from: SpoolPosition; next: SpoolPosition; count: number } | undefined;
  private follower: SpoolFollower | undefined;

  constructor(private readonly opts: SpoolOptions) {
    this.maxBytes = opts.maxBytes ?? Infinity;
    this.segmentBytes = Math.max(4096, Math.min(opts.segmentBytes, Math.floor(this.maxBytes / 4)));
    this.commits = new GroupCommit<AppendGroup>({
      delayMs: opts.groupCommitMs,
      newGroup: () => ({ buf: [], bytes: 0 }),
      commit: (group, waiters) => this.commitGroup(group, waiters),
    });
  }

  async open(): Promise<void> {
    ensurePrivateDir(this.opts.dir);
    const segments = listSegments(this.opts.dir);
    const cpFile = path.join(this.opts.dir, 'checkpoint.json');
    if (existsSync(cpFile)) {
      try {
        this.cursor = JSON.parse(readFileSync(cpFile, 'utf8')) as SpoolPosition;
      } catch (err) {
        throw new EdufleetError('EDUFLEET_ERR_SPOOL_CORRUPT', `cannot read ${cpFile}; see docs/operations.md (spool recovery)`, { cause: err });
      }
    }
    else if (segments.length) this.cursor = { segment: segments[0]!, offset: 0 };
    for (const s of segments) this.sizes.set(s, statSync(this.segPath(s)).size);
    this.diskBytes = [...this.sizes.values()].reduce((a, b) => a + b, 0);
    this.writeSegment = segments.at(-1) ?? this.cursor.segment;
    // A crash mid-write can leave a torn last record: nothing in it was acknowledged, so cut it off.
    const last = this.segPath(this.writeSegment);
    if (existsSync(last)) trimTornTail(last);
    this.fh = await open(last, 'a', PRIVATE_FILE_MODE);
    this.durableOffset = (await this.fh.stat()).size;
    this.diskBytes += this.durableOffset - (this.sizes.get(this.writeSegment) ?? 0);
    this.sizes.set(this.writeSegment, this.durableOffset);
    // Counted once here (a newline scan of what is left); from then on appends and commits keep the count.
    this.pendingCount = this.countRecords(this.cursor, { segment: this.writeSegment, offset: this.durableOffset });
    // Left from before a restart: at least as old as the file it starts in (birth time, where the file system keeps it).
    if (this.pendingBytes() > 0) {
      const st = statSync(this.segPath(this.cursor.segment), { throwIfNoEntry: false });
      this.age.appended(this.cursor, st ? st.birthtimeMs || st.mtimeMs : Date.now());
    }
  }

  /** Milliseconds the oldest acknowledged record not yet written has waited (0 when none is). */
  /** Records (points: readings, events, presence changes) acknowledged and not yet written. */
  pendingRecords(): number {
    return this.pendingCount;
  }

  oldestPendingMs(now = Date.now()): number {
    return this.age.oldestMs(now, this.pendingBytes() > 0);
  }

  /** Bytes the spool takes on disk (and is about to), and its budget. */
  usage(): { usedBytes: number; maxBytes: number } {
    return { usedBytes: this.diskBytes + this.queuedBytes, maxBytes: this.maxBytes };
  }

  private segPath(n: number): string {
    return path.join(this.opts.dir, segName(n));
  }

  /** Appends records (no newlines inside); resolves once they are on disk. */
  append(records: string[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('spool is closed'));
    // Characters, not bytes: counting UTF-8 bytes here costs a pass over every line; the commit counts the bytes it
    // writes, and lines are ASCII but for the rare quoted string (an event message), so the budget barely differs.
    let bytes = 0;
    for (const r of records) bytes += r.length + 1;
    let used = this.diskBytes + this.queuedBytes;
    // Once full, it takes a tenth of the budget freed to open again: a small message fitting after a large one was
    // refused would otherwise flap between acknowledging and not (and log each flap).
    if (this.follower) used = this.makeRoom(used, bytes);
    if (this.full) this.full = used > this.maxBytes * 0.9;
    if (this.full || used + bytes > this.maxBytes) {
      this.full = true;
      const err = new SpoolFullError(used, this.maxBytes);
      this.opts.onAppendOutcome?.(err);
      return Promise.reject(err);
    }
    const { group, done } = this.commits.join();
    for (const r of records) group.buf.push(r);
    group.bytes += bytes;
    this.queuedBytes += bytes;
    return done;
  }

  /** Writes one group with one fdatasync; see GroupCommit for when. */
  private async commitGroup(group: AppendGroup, waiters: GroupWaiters): Promise<void> {
    try {
      const data = Buffer.from(group.buf.join('\n') + '\n', 'utf8');
      await this.fh!.write(data);
      await this.fh!.datasync();
      this.age.appended({ segment: this.writeSegment, offset: this.durableOffset }, Date.now());
      this.durableOffset += data.length;
      this.pendingCount += group.buf.length;
      this.diskBytes += data.length;
      this.sizes.set(this.writeSegment, this.durableOffset);
    } catch (err) {
      this.queuedBytes -= group.bytes;
      // A short write (a full disk) would leave half a record that the next group's bytes would follow: cut the file
      // back to what is durable, so the spool goes on once the fault is gone. Nothing in the group was acknowledged.
      await this.fh?.truncate(this.durableOffset).catch(() => undefined);
      this.opts.onAppendOutcome?.(err);
      waiters.reject(err as Error);
      return;
    }
    this.queuedBytes -= group.bytes;
    if (this.durableOffset >= this.segmentBytes) {
      // The group is durable whatever happens here; a segment that cannot be started yet is tried after the next.
      await this.rotate().then(() => this.opts.onRecovered?.('spool segment rotation'), (err: unknown) => this.opts.onFault?.(err, 'spool segment rotation'));
    }
    this.opts.onAppendOutcome?.();
    waiters.resolve();
    for (const l of this.listeners) l();
  }

  private async rotate(): Promise<void> {
    // Open the next segment before closing this one: if it fails, appends go on into the current segment.
    const next = await open(this.segPath(this.writeSegment + 1), 'a', PRIVATE_FILE_MODE);
    await this.fh!.close();
    this.fh = next;
    this.writeSegment += 1;
    this.durableOffset = 0;
    this.sizes.set(this.writeSegment, 0);
  }

  /** Called after every durable append: the writer uses it to wake up. */
  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Bytes acknowledged but not yet committed by the writer. */
  pendingBytes(): number {
    let total = 0;
    for (const [seg, size] of this.sizes) {
      if (seg < this.cursor.segment) continue;
      const durable = seg === this.writeSegment ? this.durableOffset : size;
      total += durable - (seg === this.cursor.segment ? this.cursor.offset : 0);
    }
    return total;
  }

  /** Reads up to `maxLines` durable records from the checkpoint on; an empty batch means the writer is caught up. */
  read(maxLines: number): SpoolBatch {
    const batch = this.readBetween(this.cursor, { segment: this.writeSegment, offset: this.durableOffset }, maxLines);
    this.lastRead = { from: this.cursor, next: batch.next, count: batch.count };
    return batch;
  }

  /** Reads up to `maxLines` records the writer has committed, from `from` (the follower's position) on. */
  readCommitted(from: SpoolPosition, maxLines: number): SpoolBatch {
    return this.readBetween(from, this.cursor, maxLines);
  }

  private readBetween(from: SpoolPosition, until: SpoolPosition, maxLines: number): SpoolBatch {
    let { segment, offset } = from;
    const parts: Buffer[] = [];
    let count = 0;
    while (count < maxLines && segment <= until.segment) {
      const end = segment === until.segment ? until.offset : segment === this.writeSegment ? this.durableOffset : (this.sizes.get(segment) ?? 0);
      if (offset >= end) {
        if (segment >= until.segment) break;
        segment += 1;
        offset = 0;
        continue;
      }
      const len = Math.min(READ_CHUNK, end - offset);
      const fd = openSync(this.segPath(segment), 'r');
      const n = readSync(fd, this.readBuf, 0, len, offset);
      closeSync(fd);
      const buf = this.readBuf.subarray(0, n);
      let pos = 0;
      while (count < maxLines) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) break;
        pos = nl + 1;
        count++;
      }
      // Copied out: the read buffer is reused by the next read.
      if (pos > 0) parts.push(Buffer.from(buf.subarray(0, pos)));
      offset += pos;
      if (pos === 0) break; // a record longer than a chunk cannot happen: records are bounded by the MQTT payload limit
    }
    return new SpoolBatch(parts.length === 1 ? parts[0]! : Buffer.concat(parts), count, { segment, offset });
  }

  /** Marks everything before `next` as written; deletes segments that are wholly behind it. */
  commit(next: SpoolPosition): void {
    const r = this.lastRead;
    const same = (a: SpoolPosition, b: SpoolPosition) => a.segment === b.segment && a.offset === b.offset;
    this.pendingCount -= r && same(r.from, this.cursor) && same(r.next, next) ? r.count : this.countRecords(this.cursor, next);
    this.lastRead = undefined;
    this.cursor = next;
    this.age.written(next, this.pendingBytes() === 0);
    const cpFile = path.join(this.opts.dir, 'checkpoint.json');
    // No fsync: a lost checkpoint only replays points InfluxDB already has, and it overwrites them with themselves.
    writeFileSync(cpFile + '.tmp', JSON.stringify(next), { mode: PRIVATE_FILE_MODE });
    renameSync(cpFile + '.tmp', cpFile);
    this.release();
    this.rotateIfDrained();
  }

  /** Follows the writer with a second reader (the mirror): segments are deleted once both have read them. */
  follow(f: SpoolFollower): void {
    this.follower = f;
  }

  /** Deletes the segments wholly behind the writer and the follower (called by both after they moved on). */
  release(): void {
    const keep = Math.min(this.cursor.segment, this.follower?.position().segment ?? Infinity);
    for (const [seg, size] of [...this.sizes]) {
      if (seg < keep) {
        rmSync(this.segPath(seg), { force: true });
        this.sizes.delete(seg);
        this.diskBytes -= size;
      }
    }
  }

  /**
   * Frees the segments only the follower still needs, oldest first, until `bytes` fit the budget (or its hysteresis
   * line once full): a lagging mirror never makes a device's reading refused. Returns the bytes then used.
   */
  private makeRoom(used: number, bytes: number): number {
    const f = this.follower!;
    const limit = this.full ? this.maxBytes * 0.9 : this.maxBytes - bytes;
    while (used > limit && f.position().segment < this.cursor.segment) {
      const to = { segment: f.position().segment + 1, offset: 0 };
      f.skip(to, this.countRecords(f.position(), to));
      this.release();
      used = this.diskBytes + this.queuedBytes;
    }
    return used;
  }

  /** Newlines between two positions of the durable log: records, since each ends in one. */
  private countRecords(from: SpoolPosition, to: SpoolPosition): number {
    let n = 0;
    for (let seg = from.segment; seg <= to.segment; seg++) {
      const end = seg === to.segment ? to.offset : (seg === this.writeSegment ? this.durableOffset : (this.sizes.get(seg) ?? 0));
      let offset = seg === from.segment ? from.offset : 0;
      if (offset >= end || !existsSync(this.segPath(seg))) continue;
      const fd = openSync(this.segPath(seg), 'r');
      try {
        while (offset < end) {
          const got = readSync(fd, this.readBuf, 0, Math.min(READ_CHUNK, end - offset), offset);
          if (got === 0) break;
          for (let i = this.readBuf.indexOf(10, 0); i >= 0 && i < got; i = this.readBuf.indexOf(10, i + 1)) n++;
          offset += got;
        }
      } finally {
        closeSync(fd);
      }
    }
    return n;
  }

  /** Where the writer has got to. */
  position(): SpoolPosition {
    return this.cursor;
  }

  /**
   * Starts a new segment once the writer has read the current one to its end, if that one is already past its size
   * (a rotation failed, say on EMFILE): with every append refused by a full budget, no group commit would rotate it,
   * and its bytes, all written, would hold the budget shut for good.
   */
  private rotateIfDrained(): void {
    if (this.closed || !this.commits.idle) return;
    if (this.cursor.segment !== this.writeSegment || this.cursor.offset < this.durableOffset || this.durableOffset < this.segmentBytes) return;
    // In the commit slot, so that no group is written while the file handle changes.
    this.commits.runExclusive(() => this.rotate()
      .then(() => this.opts.onRecovered?.('spool segment rotation'), (err: unknown) => this.opts.onFault?.(err, 'spool segment rotation')));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits.close();
    await this.fh?.close();
    this.fh = undefined;
  }
}
