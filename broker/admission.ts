/**
 * What a connection must pass before aedes parses it (issue 12 item 2): at most `maxPendingConnects` sockets that
 * have not sent CONNECT, a rate of new connections per address, and a frame-size guard that reads the MQTT fixed
 * header of every packet as the bytes arrive and drops the connection as soon as one announces more than the limit.
 * aedes's parser has no size limit and would buffer a packet of any announced length before our payload check saw it.
 */
import type { Duplex } from 'node:stream';
import type { Clock } from '../lib/clock.js';
import type { Metrics } from '../lib/metrics.js';

/** `proxy`: a PROXY header from an untrusted address, a bad one, or none from a trusted proxy (broker/listeners.ts). */
export const REFUSAL_REASONS = ['oversize', 'malformed', 'pending', 'rate', 'proxy'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Room for the fixed and variable headers and the topic (8 levels, a 64-character device id) around the payload. */
export const FRAME_MARGIN_BYTES = 4096;
/** A burst of this many seconds' worth of connections: a school behind one NAT reconnecting after a power cut. */
const BURST_SECONDS = 10;
const CONNECT = 1;

export interface AdmissionOptions {
  maxPendingConnects: number;
  connectsPerAddressPerSec: number;
  connectRateExempt: readonly string[];
  maxPayloadBytes: number;
  clock: Clock;
  metrics: Metrics;
}

/** One admitted connection: its frames are watched until it is closed. */
export interface Ticket {
  /** Watches the decrypted MQTT bytes of the connection; call after aedes.handle (aedes reads with 'readable'). */
  guard(stream: Duplex): void;
}

interface Bucket { tokens: number; at: number }

/** The IPv4 address of an IPv4-mapped IPv6 one: a dual-stack listener reports 127.0.0.2 as ::ffff:127.0.0.2. */
const plain = (a: string) => (a.startsWith('::ffff:') ? a.slice(7) : a);

export class Admission {
  readonly maxFrameBytes: number;
  private pendingCount = 0;
  private readonly refusedCounts: Record<RefusalReason, number> = { oversize: 0, malformed: 0, pending: 0, rate: 0, proxy: 0 };
  private readonly buckets = new Map<string, Bucket>();
  private readonly exempt: Set<string>;

  constructor(private readonly o: AdmissionOptions) {
    this.maxFrameBytes = o.maxPayloadBytes + FRAME_MARGIN_BYTES;
    this.exempt = new Set(o.connectRateExempt.map(plain));
  }

  get pending(): number {
    return this.pendingCount;
  }

  refused(): Record<RefusalReason, number> {
    return { ...this.refusedCounts };
  }

  /**
   * A new socket from `address` (the device's: behind a trusted proxy, the one its PROXY header names): null when it is
   * refused (the caller destroys it at once, before any TLS handshake or WebSocket upgrade work). `socket` is the one
   * whose 'close' ends the connection.
   */
  admit(address: string | undefined, socket: Duplex): Ticket | null {
    if (this.pendingCount >= this.o.maxPendingConnects) return this.refuse('pending');
    if (!this.take(address)) return this.refuse('rate');
    this.pendingCount++;
    let pending = true;
    const settle = () => {
      if (!pending) return;
      pending = false;
      this.pendingCount--;
    };
    socket.once('close', settle);
    return { guard: (stream) => this.watch(stream, settle) };
  }

  /** Forgets addresses whose bucket has refilled (called now and then; a full bucket is the same as none). */
  sweep(): void {
    const now = this.o.clock.now();
    const rate = this.o.connectsPerAddressPerSec;
    for (const [a, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * rate >= rate * BURST_SECONDS) this.buckets.delete(a);
  }

  /** Counts a connection closed for `reason`; the listeners call it for a PROXY header refused. */
  refuse(reason: RefusalReason): null {
    this.refusedCounts[reason]++;
    this.o.metrics.mqttRefused.inc({ reason });
    return null;
  }

  /** A token bucket per address: `connectsPerAddressPerSec`, with a burst of BURST_SECONDS of it. */
  private take(address: string | undefined): boolean {
    const rate = this.o.connectsPerAddressPerSec;
    if (!rate || !address) return true;
    const a = plain(address);
    if (this.exempt.has(a)) return true;
    const now = this.o.clock.now();
    const cap = rate * BURST_SECONDS;
    let b = this.buckets.get(a);
    if (!b) this.buckets.set(a, (b = { tokens: cap, at: now }));
    b.tokens = Math.min(cap, b.tokens + (Math.max(0, now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens--;
    return true;
  }

  /**
   * Follows the packet boundaries: a type byte, the remaining length (1–4 bytes of varint), then that many bytes,
   * skipped without copying. A 'data' listener next to aedes's 'readable' one sees each chunk as aedes reads it, so
   * an oversized packet costs at most the chunk that carried its header.
   */
  private watch(stream: Duplex, connectSeen: () => void): void {
    const max = this.maxFrameBytes;
    let skip = 0;
    let inHeader = false;
    let type = 0;
    let len = 0;
    let mult = 1;
    let lenBytes = 0;
    const onData = (chunk: Buffer) => {
      let i = 0;
      while (i < chunk.length) {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - i);
          skip -= n;
          i += n;
          continue;
        }
        if (!inHeader) {
          type = chunk[i++]! >> 4;
          inHeader = true;
          len = 0; mult = 1; lenBytes = 0;
          continue;
        }
        const b = chunk[i++]!;
        len += (b & 127) * mult;
        mult *= 128;
        lenBytes++;
        if (b & 128) {
          if (lenBytes < 4) continue;
          return this.drop(stream, onData, 'malformed');
        }
        if (len > max) return this.drop(stream, onData, 'oversize');
        if (type === CONNECT) connectSeen();
        inHeader = false;
        skip = len;
      }
    };
    stream.on('data', onData);
  }

  private drop(stream: Duplex, onData: (chunk: Buffer) => void, reason: RefusalReason): void {
    stream.off('data', onData);
    this.refuse(reason);
    stream.destroy();
  }
}
