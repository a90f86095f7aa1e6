/**
 * The admission (broker/admission.ts) on the MQTT-over-WebSocket listeners: the raw socket is admitted as it is
 * accepted, before the HTTP upgrade (and before the TLS handshake on wss), counts as pending until CONNECT, and one
 * that never upgrades is closed by the HTTP header timeout (mqtt.connectTimeoutMs).
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { makeCertificates, type TestCertificates } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait.js';

/** 10 s worth of it (the burst) is what one address may open at once: 50 here. */
const PER_ADDRESS_PER_SEC = 5;
const BURST = PER_ADDRESS_PER_SEC * 10;
const FLOOD = 2000;

/** A TCP connection from `localAddress` to the listener that never completes an upgrade; resolves once it is closed. */
function idleSocket(port: number, localAddress: string, partialRequest: boolean): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => {
      // Half the flood starts a request and never ends its headers (slowloris); the other half sends nothing.
      if (partialRequest) s.write('GET /mqtt HTTP/1.1\r\nHost: broker\r\nUpgrade: websocket\r\n');
    });
    s.on('error', () => undefined);
    // Read (and drop) the 408 the server answers: a paused socket would never see the end that follows it.
    s.resume();
    s.once('close', () => resolve());
  });
}

describe('admission on the WebSocket listeners, before the upgrade', () => {
  let s: TestStack;
  let certs: TestCertificates;
  let room: { id: number };
  const counters = () => s.broker!.health().counters ?? {};

  async function stored(deviceId: string): Promise<number> {
    const rows = await s.influx.query<{ count: number }>(`SELECT count(battery) FROM telemetry_tablet WHERE device = '${deviceId}'`);
    return rows[0]?.count ?? 0;
  }

  beforeAll(async () => {
    certs = await makeCertificates(tempDir('edufleet-ws-tls-'));
    s = await startTestStack({ overrides: { mqtt: {
      // 127.0.0.1 (the devices below) stays exempt from the rate; 127.0.0.2 and .3 are the flood.
      connectTimeoutMs: 3000, connectsPerAddressPerSec: PER_ADDRESS_PER_SEC, connectRateExempt: ['127.0.0.1'],
      tlsPort: 0, wssPort: 0, tlsCertFile: certs.cert, tlsKeyFile: certs.key,
    } } });
    ({ room } = await seedSchool(s.registry));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('caps 2,000 never-upgrading WebSocket connections from one address while a device keeps publishing and new devices get in', async () => {
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const steady = await connectDevice(s.mqttUrl, device.id, secret!);
    let published = 0;
    let flooding = true;
    // A time of its own for each reading: InfluxDB keeps one point per series and time (Date.now() - n repeats itself
    // when a publish takes a millisecond).
    const base = Date.now() - 3_600_000;
    const publishing = (async () => {
      while (flooding || published < 5) {
        await steady.publishAsync(topics.telemetry(device.id), JSON.stringify({ battery: 50, ts: base + published }), { qos: 1 });
        published++;
      }
    })();
    const before = counters().rate ?? 0;
    const flood = Array.from({ length: FLOOD }, (_, i) => idleSocket(s.broker!.wsPort, '127.0.0.2', i % 2 === 0));
    // The address's burst is admitted and waits as pending; the rest are closed as they are accepted.
    await waitFor('the admitted ones counted as pending connects', () => (counters().pendingConnects ?? 0) >= BURST * 0.8);
    await waitFor('the flood refused for the rate', () => (counters().rate ?? 0) - before >= FLOOD - BURST * 2);
    // The admitted ones never upgrade: the header timeout (connectTimeoutMs) closes them, not Node's 60 s default.
    await Promise.all(flood);
    await waitFor('no pending connects left', () => counters().pendingConnects === 0);
    expect(steady.connected).toBe(true);
    flooding = false;
    await publishing;
    await waitFor('every reading of the steady device stored', async () => (await stored(device.id)) === published);
    await steady.endAsync();
    // A new device over TCP and one over WebSocket (from the exempt address) still get in.
    const fresh = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    await (await connectDevice(s.mqttUrl, fresh.device.id, fresh.secret!)).endAsync();
    await (await connectDevice(`ws://127.0.0.1:${s.broker!.wsPort}/mqtt`, fresh.device.id, fresh.secret!)).endAsync();
  });

  it('refuses secure WebSocket connections over the rate before their TLS handshake, and closes a handshake never started', async () => {
    const before = counters().rate ?? 0;
    const flood = Array.from({ length: 300 }, () => idleSocket(s.broker!.wssPort, '127.0.0.3', false));
    await waitFor('the flood refused for the rate', () => (counters().rate ?? 0) - before >= 300 - BURST * 2);
    // The admitted ones send no ClientHello: closed by the handshake deadline (connectTimeoutMs), then none pending.
    await Promise.all(flood);
    await waitFor('no pending connects left', () => counters().pendingConnects === 0);
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const ca = readFileSync(certs.ca);
    await (await connectDevice(`wss://127.0.0.1:${s.broker!.wssPort}/mqtt`, device.id, secret!, { ca, wsOptions: { ca } })).endAsync();
  });

  it('answers a plain HTTP request with 426 and closes the connection, so it cannot stay pending', async () => {
    const res = await fetch(`http://127.0.0.1:${s.broker!.wsPort}/`);
    expect(res.status).toBe(426);
    expect(res.headers.get('connection')).toBe('close');
    await res.text();
    await waitFor('no pending connects left', () => counters().pendingConnects === 0);
  });
});
