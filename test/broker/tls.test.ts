import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

/** A CA and a server certificate for 127.0.0.1 / localhost signed by it, made with Debian's openssl. */
async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const f = (n: string) => path.join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=EduFleet test CA']);
  await run('openssl', ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf')]);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

/** A port nobody listens on (taken and released): where the plain listener would be. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
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

  it('fails at start with a coded error when the certificate or key cannot be used', async () => {
    const open = (mqtt: Record<string, unknown>) => {
      const config = loadConfig({ env: {}, overrides: { mqtt: { host: '127.0.0.1', port: 0, wsPort: 0, tlsPort: 0, wssPort: 0, plainListeners: false, ...mqtt } } });
      const admission = new Admission({ ...config.mqtt, clock: systemClock, metrics: createMetrics() });
      return new Listeners({ config, admission, state: new Health('broker'), handle: () => undefined }).open();
    };
    await expect(open({ tlsCertFile: '/nonexistent/server.pem', tlsKeyFile: certs.key })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_MQTT_TLS', message: /tlsCertFile '\/nonexistent\/server.pem'/ });
    // The CA's key does not belong to the server's certificate.
    await expect(open({ tlsCertFile: certs.cert, tlsKeyFile: path.join(path.dirname(certs.ca), 'ca.key') })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_MQTT_TLS' });
  });
});
