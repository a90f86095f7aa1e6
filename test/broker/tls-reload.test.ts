/**
 * Certificate reload without dropping devices (issue 19): `stack.reloadTls()` in process, and SIGHUP to a running
 * `edufleet start`; the dashboard's HTTPS with it, and its minimum TLS version.
 */
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { topics } from '../../protocol/index.js';
import { openRegistryStore } from '../../registry/index.js';
import { influxEnv } from '../helpers/influx.js';
import { exited, startEdufleetProcess, type EdufleetProcess } from '../helpers/process.js';
import { connectDevice, seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { handshake, makeCertificates, type TestCertificates } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait.js';

const fingerprint = (certFile: string) => new X509Certificate(readFileSync(certFile)).fingerprint256;

/** The certificate files the configuration names, and `install` to put a set in their place as certbot would. */
function liveFiles(dir: string) {
  const live = { cert: path.join(dir, 'live.pem'), key: path.join(dir, 'live.key') };
  return { ...live, install: (c: TestCertificates) => { copyFileSync(c.cert, live.cert); copyFileSync(c.key, live.key); } };
}

/** Counts the times a connected client's connection closes (it must not, across a reload). */
function watchCloses(c: MqttClient): () => number {
  let n = 0;
  c.on('close', () => { n++; });
  return () => n;
}

describe('reloading the TLS certificates in a running stack', () => {
  const dir = tempDir('edufleet-reload-');
  const live = liveFiles(dir);
  let oldCerts: TestCertificates;
  let newCerts: TestCertificates;
  let s: TestStack;
  let room: { id: number };

  beforeAll(async () => {
    [oldCerts, newCerts] = await Promise.all([makeCertificates(dir, 'old-'), makeCertificates(dir, 'new-')]);
    live.install(oldCerts);
    // The refused reloads below log errors on purpose (read back from a real process in the SIGHUP test).
    s = await startTestStack({ dashboard: startDashboard, overrides: {
      logLevel: 'fatal',
      mqtt: { tlsPort: 0, wssPort: 0, tlsCertFile: live.cert, tlsKeyFile: live.key },
      dashboard: { tlsCertFile: live.cert, tlsKeyFile: live.key },
    } });
    ({ room } = await seedSchool(s.registry));
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const dashboardPort = () => Number(new URL(s.dashboard!.url).port);

  it('gives new mqtts, wss and HTTPS connections the replaced certificate while connected devices stay connected', async () => {
    const ports = [s.broker!.tlsPort, s.broker!.wssPort, dashboardPort()];
    for (const port of ports) expect((await handshake(port)).fingerprint).toBe(fingerprint(oldCerts.cert));
    const oldCa = readFileSync(oldCerts.ca);
    const a = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const b = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const overTls = await connectDevice(`mqtts://127.0.0.1:${s.broker!.tlsPort}`, a.device.id, a.secret!, { ca: oldCa });
    const overWss = await connectDevice(`wss://127.0.0.1:${s.broker!.wssPort}/mqtt`, b.device.id, b.secret!, { ca: oldCa, wsOptions: { ca: oldCa } });
    const closes = [watchCloses(overTls), watchCloses(overWss)];

    live.install(newCerts);
    expect(s.reloadTls()).toEqual({ mqtt: true, dashboard: true });

    for (const port of ports) expect((await handshake(port)).fingerprint).toBe(fingerprint(newCerts.cert));
    // The devices connected before go on publishing on their session, never having seen a close.
    await overTls.publishAsync(topics.telemetry(a.device.id), JSON.stringify({ battery: 61 }), { qos: 1 });
    await overWss.publishAsync(topics.telemetry(b.device.id), JSON.stringify({ battery: 62 }), { qos: 1 });
    expect(closes.map((n) => n())).toEqual([0, 0]);
    await Promise.all([overTls.endAsync(), overWss.endAsync()]);
    // A device that trusts the new CA gets in over mqtts.
    const fresh = await connectDevice(`mqtts://127.0.0.1:${s.broker!.tlsPort}`, a.device.id, a.secret!, { ca: readFileSync(newCerts.ca) });
    await fresh.endAsync();
  });

  it('keeps the certificate in use when the new files are unreadable or do not fit together', async () => {
    const inUse = fingerprint(live.cert);
    // A key from another set: the pair does not fit.
    copyFileSync(oldCerts.key, live.key);
    expect(s.reloadTls()).toEqual({ mqtt: false, dashboard: false });
    rmSync(live.cert);
    expect(s.reloadTls()).toEqual({ mqtt: false, dashboard: false });
    for (const port of [s.broker!.tlsPort, s.broker!.wssPort, dashboardPort()]) expect((await handshake(port)).fingerprint).toBe(inUse);
    live.install(newCerts);
  });

  it('refuses a TLSv1 or TLSv1.1 browser on the dashboard (dashboard.tlsMinVersion, TLSv1.2 by default) and accepts TLSv1.2', async () => {
    await expect(handshake(dashboardPort(), { max: 'TLSv1' })).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    await expect(handshake(dashboardPort(), { max: 'TLSv1.1' })).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    expect((await handshake(dashboardPort(), { max: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
  });
});

describe('SIGHUP to `edufleet start`', () => {
  const dir = tempDir('edufleet-sighup-');
  const live = liveFiles(dir);
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  let proc: EdufleetProcess | undefined;

  beforeAll(async () => {
    await influxd.start();
  });
  afterAll(async () => {
    proc?.child.kill('SIGKILL');
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reloads the certificates instead of stopping, keeps a connected device, and logs an unusable file as an error', async () => {
    const [oldCerts, newCerts] = await Promise.all([makeCertificates(dir, 'old-'), makeCertificates(dir, 'new-')]);
    live.install(oldCerts);
    const dataDir = path.join(dir, 'data');
    const registry = await openRegistryStore({ dataDir });
    const { device, secret } = await registry.addDevice({ kind: 'tablet', roomId: (await seedSchool(registry)).room.id });
    await registry.close();
    proc = await startEdufleetProcess(['--only', 'broker,gateway'], {
      EDUFLEET_DATA_DIR: dataDir, ...influxEnv(influxd), EDUFLEET_LOG_LEVEL: 'info', EDUFLEET_MQTT_HOST: '127.0.0.1',
      EDUFLEET_MQTT_PORT: '0', EDUFLEET_MQTT_WS_PORT: '0', EDUFLEET_MQTT_TLS_PORT: '0', EDUFLEET_MQTT_WSS_PORT: '0',
      EDUFLEET_MQTT_TLS_CERT_FILE: live.cert, EDUFLEET_MQTT_TLS_KEY_FILE: live.key,
    });
    const p = proc;
    const tlsPort = Number((await waitFor('the mqtts port printed', () => /mqtts:\/\/localhost:(\d+)/.exec(p.output())))[1]);
    const c = await connectDevice(`mqtts://127.0.0.1:${tlsPort}`, device.id, secret!, { ca: readFileSync(oldCerts.ca) });
    const closes = watchCloses(c);

    live.install(newCerts);
    p.child.kill('SIGHUP');
    await waitFor('the new certificate served', async () => (await handshake(tlsPort)).fingerprint === fingerprint(newCerts.cert));
    // The process writes its log line after the listeners took the new context: the line may come a moment later.
    await waitFor('the reload logged', () => p.output().includes('MQTT TLS certificate reloaded'));
    await c.publishAsync(topics.telemetry(device.id), JSON.stringify({ battery: 63 }), { qos: 1 });
    expect(closes()).toBe(0);

    writeFileSync(live.cert, 'not a certificate\n');
    p.child.kill('SIGHUP');
    const line = await waitFor('the error logged', () => p.output().split('\n').find((l) => l.includes('MQTT TLS certificate not reloaded')));
    expect(JSON.parse(line)).toMatchObject({ level: 50, err: { code: 'EDUFLEET_ERR_MQTT_TLS' } });
    expect((await handshake(tlsPort)).fingerprint).toBe(fingerprint(newCerts.cert));
    expect(p.child.exitCode).toBeNull();
    await c.endAsync();

    p.child.kill('SIGTERM');
    await exited(p.child);
    expect(p.child.exitCode).toBe(0);
  });
});
