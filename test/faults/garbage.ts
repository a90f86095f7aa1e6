import net from 'node:net';
import type { FaultDevice } from '../helpers/fault-load.js';

/**
 * A generator of broken MQTT traffic on raw TCP sockets: every session opens a socket, sends one offending packet (after
 * a valid CONNECT for the kinds that need a logged-in device) and waits for the broker to close it. A few hundred
 * slots run sessions one after another, so 10,000 packets cost a few hundred sockets at a time.
 */

export const PRE_CONNECT = ['garbage', 'bad-length', 'truncated-connect', 'bad-protocol', 'publish-first'] as const;
export const CONNECTED = ['invalid-utf8-topic', 'oversized', 'truncated-publish'] as const;
export type GarbageKind = (typeof PRE_CONNECT)[number] | (typeof CONNECTED)[number];

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

const str = (s: string | Buffer) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

const packet = (first: number, body: Buffer) => Buffer.concat([Buffer.from([first]), varint(body.length), body]);

export function connectPacket(clientId: string, username: string, password: string, protocol = 'MQTT', level = 4): Buffer {
  const head = Buffer.concat([str(protocol), Buffer.from([level, 0xc2, 0, 60])]);
  return packet(0x10, Buffer.concat([head, str(clientId), str(username), str(password)]));
}

function publishPacket(topic: Buffer, payload: Buffer): Buffer {
  return packet(0x32, Buffer.concat([str(topic), Buffer.from([0, 1]), payload]));
}

/** A small deterministic PRNG, so a failing run can be replayed with the same bytes. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

/** The offending bytes of one session. `device` is the logged-in device for the CONNECTED kinds. */
function offence(kind: GarbageKind, rnd: () => number, device: FaultDevice | undefined, maxPayloadBytes: number): Buffer {
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
  switch (kind) {
    // Packet types 0 and 15 are reserved in MQTT 3.1.1.
    case 'garbage': return Buffer.concat([Buffer.from([rnd() < 0.5 ? 0x00 : 0xf0]), bytes(1 + Math.floor(rnd() * 64))]);
    // A remaining length of more than four bytes.
    case 'bad-length': return Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    case 'truncated-connect': {
      const full = connectPacket(`trunc-${Math.floor(rnd() * 1e9)}`, 'nobody', 'x'.repeat(40));
      return full.subarray(0, 2 + Math.floor(rnd() * (full.length - 3)));
    }
    case 'bad-protocol': return rnd() < 0.5 ? connectPacket('x', 'nobody', 'nothing', 'MQTX') : connectPacket('x', 'nobody', 'nothing', 'MQTT', 9);
    case 'publish-first': return publishPacket(Buffer.from('devices/x/telemetry'), Buffer.from('{}'));
    case 'invalid-utf8-topic': return publishPacket(Buffer.concat([Buffer.from(`devices/${device!.id}/`), Buffer.from([0xc3, 0x28, 0xff])]), Buffer.from('{"battery":1}'));
    case 'oversized': return publishPacket(Buffer.from(`devices/${device!.id}/telemetry`), Buffer.alloc(maxPayloadBytes * 2, 0x20));
    case 'truncated-publish': {
      // The topic's length says more than the packet holds.
      const body = Buffer.concat([Buffer.from([0x7f, 0xff]), Buffer.from(`devices/${device!.id}/telemetry`)]);
      return packet(0x32, body);
    }
  }
}

export interface GarbageResult {
  sent: Record<GarbageKind, number>;
  /** Sessions whose socket the broker did not close within the time limit (must be 0). */
  leftOpen: number;
  /** Logged-in sessions whose CONNECT was refused (their offence was then not sent). */
  notConnected: number;
}

interface Session { kind: GarbageKind; bytes: Buffer; connect?: Buffer }

/** Runs one session; resolves with whether the broker closed the socket in time and whether CONNECT was accepted. */
function runSession(port: number, s: Session): Promise<{ closed: boolean; connected: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let connected = false;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve({ closed, connected });
    };
    sock.setTimeout(10_000, () => finish(false));
    sock.on('error', () => undefined);
    sock.on('close', () => finish(true));
    sock.on('connect', () => {
      if (!s.connect) {
        // End our side too: a truncated packet is then a peer that went away mid-packet, not one the broker waits for.
        sock.end(s.bytes);
        return;
      }
      sock.write(s.connect);
      sock.once('data', (d: Buffer) => {
        // CONNACK: 0x20 0x02 flags code.
        if (d[0] === 0x20 && d[3] === 0) {
          connected = true;
          sock.write(s.bytes);
        } else sock.end();
      });
    });
  });
}

/** Sends `total` offending packets from `slots` sockets at a time; `offenders` log in for the CONNECTED kinds (one per slot at most). */
export async function sendGarbage(o: { port: number; total: number; slots: number; offenders: FaultDevice[]; maxPayloadBytes: number; seed?: number }): Promise<GarbageResult> {
  const rnd = prng(o.seed ?? 12);
  const kinds: GarbageKind[] = [...PRE_CONNECT, ...CONNECTED];
  const result: GarbageResult = { sent: Object.fromEntries(kinds.map((k) => [k, 0])) as Record<GarbageKind, number>, leftOpen: 0, notConnected: 0 };
  let next = 0;
  const slot = async (k: number) => {
    // A logged-in offender is used by one slot only: two sessions of one client id would take each other over.
    const device = o.offenders[k];
    while (next < o.total) {
      next += 1;
      const pool = device ? kinds : PRE_CONNECT;
      const kind = pool[Math.floor(rnd() * pool.length)]!;
      const session: Session = { kind, bytes: offence(kind, rnd, device, o.maxPayloadBytes) };
      if ((CONNECTED as readonly string[]).includes(kind)) session.connect = connectPacket(device!.id, device!.id, device!.secret);
      const r = await runSession(o.port, session);
      result.sent[kind] += 1;
      if (!r.closed) result.leftOpen += 1;
      if (session.connect && !r.connected) result.notConnected += 1;
    }
  };
  await Promise.all(Array.from({ length: o.slots }, (_, k) => slot(k)));
  return result;
}
