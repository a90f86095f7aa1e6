/**
 * The edge's durable log of records not yet known to be at the province (docs/architecture.md, "Edge nodes"). Records
 * are appended to numbered segment files (lib/segment-files.ts, as the gateway's spool) with a group commit: `append`
 * resolves once one fdatasync covers them, and only then is a device's message acknowledged. Each record gets the next
 * q of its device. `confirm` records, per device, the last q the province has (from the down bundle or the link),
 * durably; segments whose every record is confirmed are deleted.
 *
 * After a crash: a torn last record is cut off (it was never acknowledged), each device's last q is the greater of what
 * the segments hold and what was confirmed (so a q is never given twice, even when every segment was compacted), and
 * the confirmed cursor is whatever the last completed `confirm` wrote.
 */
import { existsSync, openSync, closeSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { EdufleetError } from '../lib/errors.js';
import { GroupCommit, type GroupWaiters } from '../lib/group-commit.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../lib/private-files.js';
import { listSegments, replaceFileDurably, segmentName, trimTornTail } from '../lib/segment-files.js';
import type { DeviceRecord, NewDeviceRecord } from './records.js';

export interface ForwardLogOptions {
  dir: string;
  /** How long appends gather before one fsync covers them all. */
  groupCommitMs: number;
  /** Segment size before a new file is started. */
  segmentBytes: number;
  /**
   * Reads only (an export beside a running edge node): nothing is cut, opened for writing or written, and a record
   * the running process is still writing is simply not read yet (only whole lines are).
   */
  readOnly?: boolean;
  /** A segment that could not be started (the log goes on in the current one): for the component's health. */
  onFault?: (err: unknown, context: string) => void;
  onRecovered?: (context: string) => void;
}

/** Where a reader is in the log. */
export interface LogPosition { segment: number; offset: number }

/** What waits to reach the province: for /healthz and the provincial view. */
export interface ForwardStats {
  /** Records appended and not confirmed. */
  records: number;
  /** Bytes of the segments' records of devices not wholly confirmed in them (an upper bound of the records' bytes). */
  bytes: number;
  /** The earliest `at` among them (an upper bound of the wait: a segment's oldest of such a device), null when none. */
  oldestAt: number | null;
}

/** Per segment and device: what compaction and the stats need without reading the segment again. */
interface DeviceSpan { maxQ: number; minAt: number; bytes: number }

const CONFIRMED = 'confirmed.json';
/** Records are written with their keys in this order, so opening reads d, q and at without a full JSON parse. */
const HEAD = /^\{"d":"([^"]+)","q":(\d+),/;
const TAIL = /"at":(\d+)\}$/;

/** The line of a record, keys in a fixed order. */
export const recordLine = (r: DeviceRecord): string =>
  JSON.stringify(r.cmd === undefined ? { d: r.d, q: r.q, c: r.c, p: r.p, at: r.at } : { d: r.d, q: r.q, ...(r.k ? { k: r.k } : {}), c: r.c, cmd: r.cmd, p: r.p, at: r.at });

export class ForwardLog {
  private fh: FileHandle | undefined;
  private writeSegment = 1;
  private durableOffset = 0;
  private readonly segments = new Map<number, { bytes: number; devices: Map<string, DeviceSpan> }>();
  /** The last q given to each device (including appends not yet durable). */
  private readonly lastQ = new Map<string, number>();
  private confirmedQ = new Map<string, number>();
  /** Gathers appends for the next fsync; every append of a group shares one promise. */
  private readonly commits: GroupCommit<DeviceRecord[]>;
  private closed = false;

  constructor(private readonly o: ForwardLogOptions) {
    this.commits = new GroupCommit<DeviceRecord[]>({ delayMs: o.groupCommitMs, newGroup: () => [], commit: (records, waiters) => this.commit(records, waiters) });
  }

  async open(): Promise<void> {
    ensurePrivateDir(this.o.dir);
    const file = path.join(this.o.dir, CONFIRMED);
    if (existsSync(file)) {
      try {
        this.confirmedQ = new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>));
      } catch (err) {
        throw new EdufleetError('EDUFLEET_ERR_EDGE_LOG_CORRUPT', `cannot read ${file}; see docs/edge.md`, { cause: err });
      }
    }
    for (const [d, q] of this.confirmedQ) this.lastQ.set(d, q);
    const segs = listSegments(this.o.dir);
    this.writeSegment = segs.at(-1) ?? 1;
    const last = this.segPath(this.writeSegment);
    if (!this.o.readOnly && existsSync(last)) trimTornTail(last);
    for (const s of segs) this.index(s);
    if (this.o.readOnly) this.durableOffset = this.segments.get(this.writeSegment)?.bytes ?? 0;
    else {
      this.fh = await open(last, 'a', PRIVATE_FILE_MODE);
      this.durableOffset = (await this.fh.stat()).size;
    }
    if (!this.segments.has(this.writeSegment)) this.segments.set(this.writeSegment, { bytes: this.durableOffset, devices: new Map() });
  }

  private segPath(n: number): string {
    return path.join(this.o.dir, segmentName(n));
  }

  /** Reads a segment's devices, q and times (opening only). */
  private index(seg: number): void {
    const devices = new Map<string, DeviceSpan>();
    let bytes = 0;
    forEachLine(this.segPath(seg), 0, statSync(this.segPath(seg)).size, (line, len) => {
      bytes += len;
      const h = HEAD.exec(line);
      const t = TAIL.exec(line);
      if (!h || !t) throw new EdufleetError('EDUFLEET_ERR_EDGE_LOG_CORRUPT', `${segmentName(seg)}: a record this log did not write; see docs/edge.md`);
      this.note(devices, h[1]!, Number(h[2]), Number(t[1]), len);
      return true;
    });
    this.segments.set(seg, { bytes, devices });
  }

  private note(devices: Map<string, DeviceSpan>, d: string, q: number, at: number, len: number): void {
    const span = devices.get(d);
    if (span) {
      span.maxQ = Math.max(span.maxQ, q);
      span.minAt = Math.min(span.minAt, at);
      span.bytes += len;
    } else devices.set(d, { maxQ: q, minAt: at, bytes: len });
    if (q > (this.lastQ.get(d) ?? 0)) this.lastQ.set(d, q);
  }

  /**
   * Appends records, giving each the next q of its device in the order given; resolves with them once they are on
   * disk (then, and only then, may the edge acknowledge them to the devices).
   */
  append(list: readonly NewDeviceRecord[]): Promise<DeviceRecord[]> {
    if (this.closed || this.o.readOnly) return Promise.reject(new Error(`forward log is ${this.closed ? 'closed' : 'open to read only'}`));
    const { group, done } = this.commits.join();
    const out = list.map((r) => {
      const q = (this.lastQ.get(r.d) ?? 0) + 1;
      this.lastQ.set(r.d, q);
      return { ...r, q };
    });
    group.push(...out);
    return done.then(() => out);
  }

  /** Writes one group with one fdatasync; see GroupCommit for when. */
  private async commit(records: DeviceRecord[], waiters: GroupWaiters): Promise<void> {
    const lines = records.map(recordLine);
    const data = Buffer.from(lines.join('\n') + '\n', 'utf8');
    try {
      await this.fh!.write(data);
      await this.fh!.datasync();
    } catch (err) {
      // Nothing of the group was acknowledged: cut back what may have reached the file. Its q stay given (never reused).
      await this.fh?.truncate(this.durableOffset).catch(() => undefined);
      waiters.reject(err as Error);
      return;
    }
    const seg = this.segments.get(this.writeSegment)!;
    records.forEach((r, i) => this.note(seg.devices, r.d, r.q, r.at, Buffer.byteLength(lines[i]!) + 1));
    this.durableOffset += data.length;
    seg.bytes = this.durableOffset;
    // The group is durable whatever happens next: acknowledge it first. A segment that cannot be started yet (EMFILE,
    // a full disk) is tried again after the next group; appends go on into the current one meanwhile.
    waiters.resolve();
    if (this.durableOffset >= this.o.segmentBytes) {
      await this.rotate().then(() => this.o.onRecovered?.('forward log segment rotation'), (err: unknown) => this.o.onFault?.(err, 'forward log segment rotation'));
    }
  }

  private async rotate(): Promise<void> {
    const next = await open(this.segPath(this.writeSegment + 1), 'a', PRIVATE_FILE_MODE);
    await this.fh!.close();
    this.fh = next;
    this.writeSegment += 1;
    this.durableOffset = 0;
    this.segments.set(this.writeSegment, { bytes: 0, devices: new Map() });
  }

  /** The first position of the log (where an export starts: it always starts from the confirmed cursor). */
  start(): LogPosition {
    return { segment: Math.min(...this.segments.keys()), offset: 0 };
  }

  /**
   * Durable records after `from` that the province has not confirmed, in log order (each device's in q order), up to
   * about `maxBytes` (at least one record); `done` when the reader reached the durable end.
   */
  read(from: LogPosition, maxBytes: number): { records: DeviceRecord[]; next: LogPosition; done: boolean } {
    const records: DeviceRecord[] = [];
    let bytes = 0;
    let { segment, offset } = from;
    const segs = [...this.segments.keys()].sort((a, b) => a - b);
    for (;;) {
      if (!this.segments.has(segment)) {
        const later = segs.find((s) => s > segment);
        if (later === undefined) return { records, next: { segment, offset }, done: true };
        segment = later;
        offset = 0;
      }
      const end = segment === this.writeSegment ? this.durableOffset : this.segments.get(segment)!.bytes;
      offset = forEachLine(this.segPath(segment), offset, end, (line, len) => {
        const r = JSON.parse(line) as DeviceRecord;
        if (r.q > (this.confirmedQ.get(r.d) ?? 0)) records.push(r);
        bytes += len;
        return bytes < maxBytes;
      });
      if (bytes >= maxBytes) return { records, next: { segment, offset }, done: false };
      if (segment >= this.writeSegment) return { records, next: { segment, offset }, done: true };
      segment += 1;
      offset = 0;
    }
  }

  /**
   * Records that the province has each device's records up to the q given (a lower one than already confirmed changes
   * nothing); resolves once that is on disk, then deletes segments wholly confirmed. A q beyond what this log gave
   * (its disk restored from an older copy) moves the device's next q past it: a q is never given twice.
   */
  async confirm(upTo: Readonly<Record<string, number>>): Promise<void> {
    if (this.o.readOnly) throw new Error('forward log is open to read only');
    const next = new Map(this.confirmedQ);
    for (const [d, q] of Object.entries(upTo)) {
      if (q > (next.get(d) ?? 0)) next.set(d, q);
      if (q > (this.lastQ.get(d) ?? 0)) this.lastQ.set(d, q);
    }
    replaceFileDurably(path.join(this.o.dir, CONFIRMED), JSON.stringify(Object.fromEntries(next)));
    this.confirmedQ = next;
    for (const [seg, s] of [...this.segments]) {
      if (seg === this.writeSegment) continue;
      if ([...s.devices].every(([d, span]) => span.maxQ <= (next.get(d) ?? 0))) {
        rmSync(this.segPath(seg), { force: true });
        this.segments.delete(seg);
      }
    }
  }

  /** Each device's confirmed q. */
  confirmed(): Record<string, number> {
    return Object.fromEntries(this.confirmedQ);
  }

  /** Each device's last q given. */
  lastSequences(): Record<string, number> {
    return Object.fromEntries(this.lastQ);
  }

  stats(): ForwardStats {
    let records = 0;
    const durable = new Map<string, number>();
    for (const s of this.segments.values()) for (const [d, span] of s.devices) durable.set(d, Math.max(durable.get(d) ?? 0, span.maxQ));
    for (const [d, q] of durable) records += Math.max(0, q - (this.confirmedQ.get(d) ?? 0));
    let bytes = 0;
    let oldestAt: number | null = null;
    for (const s of this.segments.values()) {
      for (const [d, span] of s.devices) {
        if (span.maxQ <= (this.confirmedQ.get(d) ?? 0)) continue;
        bytes += span.bytes;
        if (oldestAt === null || span.minAt < oldestAt) oldestAt = span.minAt;
      }
    }
    return { records, bytes, oldestAt };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits.close();
    await this.fh?.close();
    this.fh = undefined;
  }
}

const CHUNK = 1024 * 1024;

/**
 * Calls `fn` with each whole line of `file` between `from` and `end` (and its length with the newline) until it
 * returns false; returns the offset after the last line handed over.
 */
function forEachLine(file: string, from: number, end: number, fn: (line: string, len: number) => boolean): number {
  if (from >= end) return from;
  const fd = openSync(file, 'r');
  let offset = from;
  try {
    let carry = Buffer.alloc(0);
    let pos = from;
    while (pos < end) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, end - pos));
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      pos += n;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
        const len = nl + 1 - start;
        const more = fn(data.toString('utf8', start, nl), len);
        start = nl + 1;
        offset += len;
        if (!more) return offset;
      }
      carry = Buffer.from(data.subarray(start));
    }
  } finally {
    closeSync(fd);
  }
  return offset;
}
