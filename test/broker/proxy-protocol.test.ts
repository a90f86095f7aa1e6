import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { createWebSocketStream } from 'ws';
import { Admission } from '../../broker/admission.js';
import { Listeners } from '../../broker/listeners.js';
import { loadConfig } from '../../config/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { systemClock } from '../../lib/clock.js';
import { Health } from '../../lib/component.js';
import { createMetrics } from '../../lib/metrics.js';
import { topics } from '../../protocol/index.js';
import { startHaproxy, type TestHaproxy } from '../helpers/haproxy.js';
import { seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { makeCertificates } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait.js';

/** A device's MQTT session over a stream the test builds (from a chosen local address, or after a PROXY header). */
function connectOver(stream: () => Duplex, deviceId: string, secret: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = new MqttClient(() => stream() as never, { clientId: deviceId, username: deviceId, password: secret, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => { c.end(true); reject(err); });
    c.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** A raw socket from `localAddress`; resolves once connected. */
function openSocket(port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s));
    s.once('error', reject);
  });
}

const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));

/** A PROXY v2 header naming an IPv4 client, as HAProxy's send-proxy-v2 writes it. */
function proxyV2(src: string, srcPort: number, dstPort: number): Buffer {
  const h = Buffer.alloc(28);
  Buffer.from('0d0a0d0a000d0a515549540a', 'hex').copy(h);
  h[12] = 0x21; // version 2, PROXY
  h[13] = 0x11; // TCP over IPv4
  h.writeUInt16BE(12, 14);
  src.split('.').forEach((o, i) => (h[16 + i] = Number(o)));
  [127, 0, 0, 1].forEach((o, i) => (h[20 + i] = o));
  h.writeUInt16BE(srcPort, 24);
  h.writeUInt16BE(dstPort, 26);
  return h;
}

/** The first MQTT packet a device sends: CONNECT (MQTT 3.1.1, client id "x", keepalive 60). */
const CONNECT = Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 1, 0x78]);

describe('PROXY protocol: one address in front of the broker, the device\'s own address behind it', () => {
  let s: TestStack;
  let hap: TestHaproxy;
  let ca: Buffer;
  let room: { id: number };
  const certDir = tempDir('edufleet-proxy-tls-');
  const refused = () => s.broker!.health().counters ?? {};
  const device = async () => {
    const { device: d, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    return { id: d.id, secret: secret! };
  };

  beforeAll(async () => {
    const certs = await makeCertificates(certDir);
    ca = readFileSync(certs.ca);
    s = await startTestStack({ dashboard: startDashboard, overrides: { mqtt: {
      proxyProtocol: true, trustedProxies: ['127.0.0.1'], connectsPerAddressPerSec: 1, connectRateExempt: ['127.0.0.1'],
      connectTimeoutMs: 2000, tlsPort: 0, wssPort: 0, tlsCertFile: certs.cert, tlsKeyFile: certs.key, tlsCaFile: certs.ca,
    } } });
    ({ room } = await seedSchool(s.registry));
    const b = s.broker!;
    const health = new URL(s.dashboard!.url).port;
    // What docs/operations.md ships, on loopback: TCP mode, PROXY v2, health from the node's /healthz.
    const backend = (name: string, port: number) => [
      `backend ${name}`,
      '  option httpchk',
      '  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host localhost',
      '  http-check expect status 200',
      '  default-server inter 300ms fall 2 rise 1',
      `  server node1 127.0.0.1:${port} send-proxy-v2 check port ${health}`,
    ].join('\n');
    hap = await startHaproxy(['mqtt', 'mqtts', 'ws', 'wss', 'dead'], (p) => [
      `frontend mqtt\n  bind 127.0.0.1:${p.mqtt}\n  default_backend mqtt`,
      `frontend mqtts\n  bind 127.0.0.1:${p.mqtts}\n  default_backend mqtts`,
      `frontend ws\n  bind 127.0.0.1:${p.ws}\n  default_backend ws`,
      `frontend wss\n  bind 127.0.0.1:${p.wss}\n  default_backend wss`,
      backend('mqtt', b.port), backend('mqtts', b.tlsPort), backend('ws', b.wsPort), backend('wss', b.wssPort),
      // A node whose /healthz does not answer: HAProxy must take it out.
      `backend dead\n  option httpchk\n  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host localhost\n  default-server inter 300ms fall 1\n  server node9 127.0.0.1:${b.port} send-proxy-v2 check port ${p.dead}`,
    ].join('\n'));
  });
  afterAll(async () => {
    await hap?.close();
    await s?.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('HAProxy health-checks the node on its /healthz: up while it answers, down when nothing answers', async () => {
    const state = async () => Object.fromEntries((await hap.servers()).map((x) => [`${x.backend}/${x.server}`, x.status]));
    await waitFor('every node up and the dead one down', async () => {
      const st = await state();
      return ['mqtt', 'mqtts', 'ws', 'wss'].every((b) => st[`${b}/node1`] === 'UP') && st['dead/node9']?.startsWith('DOWN');
    });
  });

  it('a device behind HAProxy (TCP, TLS passed through, WebSocket, secure WebSocket) is seen under its own address, and stores readings', async () => {
    const tcp = await device();
    const c1 = await connectOver(() => net.connect({ port: hap.port('mqtt'), host: '127.0.0.1', localAddress: '127.0.0.3' }), tcp.id, tcp.secret);
    expect(s.broker!.addressOf(tcp.id)).toBe('127.0.0.3');
    await c1.publishAsync(topics.telemetry(tcp.id), JSON.stringify({ battery: 77, ts: Date.now() }), { qos: 1 });
    await waitFor('the reading stored', async () => (await s.influx.query(`SELECT battery FROM telemetry_tablet WHERE device = '${tcp.id}'`)).length === 1);
    const viaTls = await device();
    const c2 = await connectOver(() => tls.connect({ socket: net.connect({ port: hap.port('mqtts'), host: '127.0.0.1', localAddress: '127.0.0.5' }), ca, servername: 'localhost' }), viaTls.id, viaTls.secret);
    expect(s.broker!.addressOf(viaTls.id)).toBe('127.0.0.5');
    const viaWs = await device();
    const c3 = await connectOver(() => createWebSocketStream(new WebSocket(`ws://127.0.0.1:${hap.port('ws')}/mqtt`, 'mqtt', { localAddress: '127.0.0.6' })), viaWs.id, viaWs.secret);
    expect(s.broker!.addressOf(viaWs.id)).toBe('127.0.0.6');
    const viaWss = await device();
    const c4 = await connectOver(() => createWebSocketStream(new WebSocket(`wss://127.0.0.1:${hap.port('wss')}/mqtt`, 'mqtt', { localAddress: '127.0.0.8', ca })), viaWss.id, viaWss.secret);
    expect(s.broker!.addressOf(viaWss.id)).toBe('127.0.0.8');
    await Promise.all([c1.endAsync(), c2.endAsync(), c3.endAsync(), c4.endAsync()]);
  });

  it('the per-address connection rate counts the device behind HAProxy (127.0.0.2), not the exempt proxy', async () => {
    const before = refused().rate ?? 0;
    await Promise.all(Array.from({ length: 20 }, async () => {
      const k = await openSocket(hap.port('mqtt'), '127.0.0.2');
      k.on('error', () => undefined);
      // Read (and drop) the CONNACK: a paused socket would never see HAProxy's FIN.
      k.write(CONNECT);
      k.resume();
      await closed(k);
    }));
    // A burst of 10 s worth (10 at 1 a second) is let in; the rest are refused for 127.0.0.2's rate.
    expect((refused().rate ?? 0) - before).toBeGreaterThanOrEqual(9);
    // Another address behind the same proxy is not affected.
    const d = await device();
    const c = await connectOver(() => net.connect({ port: hap.port('mqtt'), host: '127.0.0.1', localAddress: '127.0.0.7' }), d.id, d.secret);
    expect(s.broker!.addressOf(d.id)).toBe('127.0.0.7');
    await c.endAsync();
  });

  it('a PROXY header sent by an address that is not a trusted proxy closes the connection', async () => {
    const before = refused().proxy ?? 0;
    for (const header of [proxyV2('10.9.9.9', 5000, s.broker!.port), Buffer.from('PROXY TCP4 10.9.9.9 127.0.0.1 5000 1883\r\n')]) {
      const k = await openSocket(s.broker!.port, '127.0.0.4');
      k.on('error', () => undefined);
      k.write(Buffer.concat([header, CONNECT]));
      await closed(k);
    }
    expect((refused().proxy ?? 0) - before).toBe(2);
  });

  it('a trusted proxy\'s connection without a PROXY header is closed', async () => {
    const before = refused().proxy ?? 0;
    const d = await device();
    await expect(connectOver(() => net.connect({ port: s.broker!.port, host: '127.0.0.1' }), d.id, d.secret)).rejects.toThrow();
    expect((refused().proxy ?? 0) - before).toBe(1);
  });

  it('a broker set to read PROXY headers with no trusted proxy listed refuses to start, saying what to set', () => {
    const config = loadConfig({ env: {}, overrides: { mqtt: { proxyProtocol: true } } });
    const admission = new Admission({ ...config.mqtt, clock: systemClock, metrics: createMetrics() });
    expect(() => new Listeners({ config, admission, state: new Health('broker'), handle: () => undefined }))
      .toThrow(expect.objectContaining({ code: 'EDUFLEET_ERR_CONFIG_INVALID', message: expect.stringContaining('mqtt.trustedProxies is empty') }));
  });

  it('a trusted proxy may send PROXY v1 too, and an IPv6 client address is kept as one spelling', async () => {
    const d = await device();
    const c = await connectOver(() => {
      const k = net.connect({ port: s.broker!.port, host: '127.0.0.1' });
      k.write(`PROXY TCP6 2001:db8:0:0:0:0:0:7 ::1 40000 ${s.broker!.port}\r\n`);
      return k;
    }, d.id, d.secret);
    expect(s.broker!.addressOf(d.id)).toBe('2001:db8::7');
    await c.endAsync();
  });
});
