import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admission } from '../../broker/admission.js';
import { Listeners } from '../../broker/listeners.js';
import { loadConfig } from '../../config/index.js';
import { systemClock } from '../../lib/clock.js';
import { Health } from '../../lib/component.js';
import { createMetrics } from '../../lib/metrics.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { handshake, makeCertificates } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

/** A port nobody listens on (taken and released): where the plain listener would be. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** The broker's listeners alone (no aedes behind them): for what is decided before a byte of MQTT. */
function listenersWith(mqtt: Record<string, unknown>): Listeners {
  const config = loadConfig({ env: {}, overrides: { mqtt: { host: '127.0.0.1', port: 0, wsPort: 0, tlsPort: 0, wssPort: 0, plainListeners: false, ...mqtt } } });
  const admission = new Admission({ ...config.mqtt, clock: systemClock, metrics: createMetrics() });
  return new Listeners({ config, admission, state: new Health('broker'), handle: () => undefined });
}

describe('MQTT over TLS (mqtts, wss) with the plain listeners off', () => {
  let s: TestStack;
  let certs: { ca: string; cert: string; key: string };
  let plainPort: number;
  let room: { id: number };

  async function stored(deviceId: string, measurement: string, field: string): Promise<number> {
    const rows = await s.influx.query<{ count: number }>(`SELECT count(${field}) FROM ${measurement} WHERE device = '${deviceId}'`);
    return rows[0]?.count ?? 0;
  }

  beforeAll(async () => {
    certs = await makeCertificates(tempDir('edufleet-tls-'));
    plainPort = await freePort();
    s = await startTestStack({ overrides: { mqtt: {
      plainListeners: false, port: plainPort, tlsPort: 0, wssPort: 0, tlsCertFile: certs.cert, tlsKeyFile: certs.key, tlsCaFile: certs.ca,
    } } });
    ({ room } = await seedSchool(s.registry));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('stores the reading of a device that connects over mqtts with the CA', async () => {
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const c = await connectDevice(`mqtts://127.0.0.1:${s.broker!.tlsPort}`, device.id, secret!, { ca: readFileSync(certs.ca) });
    await c.publishAsync(topics.telemetry(device.id), JSON.stringify({ battery: 71 }), { qos: 1 });
    await c.endAsync();
    await waitFor('the mqtts reading', async () => (await stored(device.id, 'telemetry_tablet', 'battery')) === 1);
  });

  it('stores the reading of a device that connects over wss with the CA', async () => {
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const ca = readFileSync(certs.ca);
    const c = await connectDevice(`wss://127.0.0.1:${s.broker!.wssPort}/mqtt`, device.id, secret!, { ca, wsOptions: { ca } });
    await c.publishAsync(topics.telemetry(device.id), JSON.stringify({ battery: 72 }), { qos: 1 });
    await c.endAsync();
    await waitFor('the wss reading', async () => (await stored(device.id, 'telemetry_tablet', 'battery')) === 1);
  });

  it('stores the reading of mosquitto_pub --cafile (a foreign client)', async () => {
    const { device, secret } = await s.registry.addDevice({ kind: 'sensor', roomId: room.id });
    const id = device.id;
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(s.broker!.tlsPort), '--cafile', certs.ca, '-V', 'mqttv311', '-q', '1',
      '-i', id, '-u', id, '-P', secret!, '-t', topics.telemetry(id), '-m', '{"temperature":28.5}'], { timeout: 10_000 });
    await waitFor('the mosquitto_pub reading', async () => (await stored(id, 'telemetry_sensor', 'temperature')) === 1);
  });

  it('refuses a client that does not trust the CA, and has no plain listener', async () => {
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    await expect(connectDevice(`mqtts://127.0.0.1:${s.broker!.tlsPort}`, device.id, secret!)).rejects.toThrow(/certificate/);
    expect([s.broker!.port, s.broker!.wsPort]).toEqual([0, 0]);
    await expect(connectDevice(`mqtt://127.0.0.1:${plainPort}`, device.id, secret!)).rejects.toThrow(/ECONNREFUSED/);
    // Clear text on the TLS port is not MQTT to it either.
    await expect(connectDevice(`mqtt://127.0.0.1:${s.broker!.tlsPort}`, device.id, secret!)).rejects.toThrow();
    expect(await stored(device.id, 'telemetry_tablet', 'battery')).toBe(0);
  });

  it('refuses a TLSv1 or TLSv1.1 client on mqtts and wss (mqtt.tlsMinVersion, TLSv1.2 by default) and accepts TLSv1.2', async () => {
    for (const port of [s.broker!.tlsPort, s.broker!.wssPort]) {
      // The alert is the server's: the client offered the old version (test/helpers/tls.ts lowers its own floor).
      await expect(handshake(port, { max: 'TLSv1' })).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
      await expect(handshake(port, { max: 'TLSv1.1' })).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
      expect((await handshake(port, { max: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
    }
  });

  it('refuses TLSv1.2 and accepts TLSv1.3 with mqtt.tlsMinVersion TLSv1.3', async () => {
    const listeners = listenersWith({ tlsCertFile: certs.cert, tlsKeyFile: certs.key, tlsMinVersion: 'TLSv1.3' });
    await listeners.open();
    try {
      for (const port of [listeners.ports.tlsPort, listeners.ports.wssPort]) {
        await expect(handshake(port, { max: 'TLSv1.2' })).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
        expect((await handshake(port)).protocol).toBe('TLSv1.3');
      }
    } finally {
      await listeners.close();
    }
  });

  it('fails at start with a coded error when the certificate or key cannot be used', async () => {
    const open = (mqtt: Record<string, unknown>) => listenersWith(mqtt).open();
    await expect(open({ tlsCertFile: '/nonexistent/server.pem', tlsKeyFile: certs.key })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_MQTT_TLS', message: /tlsCertFile '\/nonexistent\/server.pem'/ });
    // The CA's key does not belong to the server's certificate.
    await expect(open({ tlsCertFile: certs.cert, tlsKeyFile: path.join(path.dirname(certs.ca), 'ca.key') })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_MQTT_TLS' });
  });
});
