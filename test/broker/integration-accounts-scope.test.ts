/**
 * An integration account's reach (broker/auth/integration.ts): devices' telemetry of its district only, writes
 * outside its patterns dropped and counted, its publishes never ingested as a device's reading, and revocation
 * closing its clients at the broker's next poll of the registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topics } from '../../protocol/index.js';
import { connectDevice, refusalCode, seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { addAccount, connectAccount, untilMarker } from './integration-helpers.js';

describe('an integration account of one district', () => {
  const s = useTestStack();
  const open: MqttClient[] = [];
  let here: { id: string; secret: string };
  let there: { id: string; secret: string };
  let districtId = 0;

  const dropped = async () => (await s.metrics.aclDenied.get()).values.find((v) => v.labels.op === 'publish-dropped')?.value ?? 0;
  const device = async (d: { id: string; secret: string }) => {
    const c = await connectDevice(s.mqttUrl, d.id, d.secret);
    open.push(c);
    return c;
  };
  const account = async (name: string, secret: string, clientId: string) => {
    const r = await connectAccount(s.mqttUrl, name, secret, clientId);
    open.push(r.client);
    return r;
  };

  beforeAll(async () => {
    const { room, district } = await seedSchool(s.registry);
    districtId = district.id;
    const other = await s.registry.ensureDistrict({ code: 'BAT-XAT', name: 'Huyện Bát Xát' });
    const school = await s.registry.ensureSchool({ code: 'BX-THCS-BAN-VUOC', name: 'Trường THCS Bản Vược', level: 'thcs', districtId: other.id });
    const site = await s.registry.ensureSite({ schoolId: school.id, name: 'Điểm chính' });
    const far = await s.registry.ensureRoom({ siteId: site.id, code: 'P.TIN', name: 'Phòng Tin học', type: 'computer_room' });
    const a = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const b = await s.registry.addDevice({ kind: 'tablet', roomId: far.id });
    here = { id: a.device.id, secret: a.secret! };
    there = { id: b.device.id, secret: b.secret! };
    await s.directory.refresh();
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.endAsync(true)));
  });

  it("reads edu/v1/+/telemetry of its district only; another district's devices get it nothing", async () => {
    const secret = await addAccount(s, { name: 'ioc-tp-lao-cai', readPatterns: ['edu/v1/+/telemetry'], writePatterns: ['ioc/#'], districtId });
    const province = await addAccount(s, { name: 'ioc-province', readPatterns: ['edu/v1/+/telemetry'], writePatterns: [] });
    const ioc = await account('ioc-tp-lao-cai', secret, 'ioc-1');
    const all = await account('ioc-province', province, 'ioc-all');
    await ioc.client.subscribeAsync('edu/v1/+/telemetry', { qos: 1 });
    await all.client.subscribeAsync('edu/v1/+/telemetry', { qos: 1 });
    // A subscription to a device of the other district is granted (it matches a read pattern) and stays silent.
    await ioc.client.subscribeAsync(topics.telemetry(there.id), { qos: 1 });
    const b = await device(there);
    const a = await device(here);
    await b.publishAsync(topics.telemetry(there.id), JSON.stringify({ battery: 40 }), { qos: 1 });
    await a.publishAsync(topics.telemetry(here.id), JSON.stringify({ battery: 80 }), { qos: 1 });
    await waitFor('both readings at the province account', () => all.got.length >= 2);
    await waitFor('the district reading', () => ioc.got.length >= 1);
    // Published after, heard by both: the other district's reading would have come by now.
    await a.publishAsync(topics.telemetry(here.id), JSON.stringify({ battery: 79 }), { qos: 1 });
    await waitFor('the second district reading', () => ioc.got.length >= 2);
    expect(ioc.got.map((m) => m.topic)).toEqual([topics.telemetry(here.id), topics.telemetry(here.id)]);
  });

  it('drops and counts a publish outside its write patterns, without closing the connection', async () => {
    const secret = await addAccount(s, { name: 'ioc-writer', readPatterns: ['ioc/#', 'other/#'], writePatterns: ['ioc/#'] });
    const w = await account('ioc-writer', secret, 'writer');
    await w.client.subscribeAsync(['ioc/#', 'other/#'], { qos: 1 });
    const before = await dropped();
    await w.client.publishAsync('other/x', 'not mine to write', { qos: 1 });
    await w.client.publishAsync(topics.telemetry(here.id), JSON.stringify({ battery: 1 }), { qos: 1 });
    expect(await untilMarker(w.client, w.got, 'ioc/announcements')).toEqual([]);
    expect(await dropped()).toBe(before + 2);
    expect(w.client.connected).toBe(true);
  });

  it("never ingests an account's publish on a device's topic, even where its write patterns allow it", async () => {
    const secret = await addAccount(s, { name: 'ioc-relay', readPatterns: [], writePatterns: ['edu/v1/+/telemetry'] });
    const r = await account('ioc-relay', secret, 'relay');
    const fresh = await s.registry.addDevice({ kind: 'tablet', roomId: (await s.registry.rooms())[0]!.id });
    await s.directory.refresh();
    await r.client.publishAsync(topics.telemetry(fresh.device.id), JSON.stringify({ battery: 11 }), { qos: 1 });
    const d = await device({ id: fresh.device.id, secret: fresh.secret! });
    await d.publishAsync(topics.telemetry(fresh.device.id), JSON.stringify({ battery: 22 }), { qos: 1 });
    const rows = await waitFor('the device\'s own reading in InfluxDB', async () => {
      const q = await s.influx.query<{ battery: number }>(`SELECT battery FROM telemetry_tablet WHERE device = '${fresh.device.id}'`);
      return q.length ? q : null;
    });
    expect(rows.map((x) => x.battery)).toEqual([22]);
  });

  it('is disconnected within the poll when revoked, and refused with CONNACK 5 after', async () => {
    const secret = await addAccount(s, { name: 'ioc-revoked', readPatterns: ['edu/v1/+/telemetry'], writePatterns: [], districtId });
    const c = await account('ioc-revoked', secret, 'soon-gone');
    const closed = new Promise<void>((resolve) => c.client.once('close', () => resolve()));
    // Revoked in the registry as the CLI does (another process): the broker finds out at its next reload.
    await s.registry.integrations.revoke('ioc-revoked', 'admin', Date.now());
    await closed;
    expect(await refusalCode(s.mqttUrl, 'soon-gone', 'ioc-revoked', secret)).toBe(5);
  });
});
