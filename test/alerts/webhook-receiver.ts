/**
 * A real HTTP receiver on loopback for webhook tests: it records every connection and request, and answers as the
 * test decides (a status, a redirect, or never). `close()` also ends the requests it was told to hold.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertEvent } from '../../alerts/events.js';

export interface Received { path: string; headers: http.IncomingHttpHeaders; body: string; deliveryId: string }
/** How to answer one request: a status (with headers), or 'hold' to keep it open until `release()` or `close()`. */
export type Answer = { status: number; headers?: Record<string, string> } | 'hold';

export interface Receiver {
  url: string;
  port: number;
  /** Connections accepted, whether or not a request followed. */
  connections: number;
  requests: Received[];
  /** Requests held open now. */
  held: http.ServerResponse[];
  /** Answers every held request with `status`. */
  release(status?: number): void;
  close(): Promise<void>;
}

export async function startReceiver(answer: (r: Received) => Answer = () => ({ status: 204 }), o: { host?: string; port?: number } = {}): Promise<Receiver> {
  const host = o.host ?? '127.0.0.1';
  const sockets = new Set<import('node:net').Socket>();
  const rec: Receiver = {
    url: '', port: 0, connections: 0, requests: [], held: [],
    release(status = 204) {
      for (const res of rec.held.splice(0)) res.writeHead(status).end();
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const r: Received = { path: req.url ?? '', headers: req.headers, body, deliveryId: String(req.headers['x-edufleet-delivery'] ?? '') };
      rec.requests.push(r);
      const a = answer(r);
      if (a === 'hold') rec.held.push(res);
      else res.writeHead(a.status, a.headers).end();
    });
  });
  server.on('connection', (s) => {
    rec.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, host, resolve));
  rec.port = (server.address() as AddressInfo).port;
  rec.url = `http://${host.includes(':') ? `[${host}]` : host}:${rec.port}`;
  return rec;
}

/** An alert change as the engine's listener queues it. */
export function alertEvent(i: number, place: { schoolId: number; schoolName: string; roomId: number; districtId: number | null }, at: number): AlertEvent {
  return {
    type: 'fired', alertId: i, rule: 'offline_school_hours', severity: 'critical', state: 'firing', deviceId: `tab-${String(i).padStart(2, '0')}`,
    deviceName: `Máy tính bảng ${i}`, kind: 'tablet', roomId: place.roomId, roomName: 'Phòng 6A1', schoolId: place.schoolId, schoolName: place.schoolName,
    districtId: place.districtId, value: 16, field: null, startedAt: at, at, byUser: null, comment: null,
  };
}
