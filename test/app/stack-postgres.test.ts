/**
 * The whole stack on PostgreSQL (registry.url set): a device provisioned through the dashboard's REST API connects
 * over MQTT with the secret it was given, and its reading reaches InfluxDB with its place as tags.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsResponse, DeviceRecord } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { topics } from '../../protocol/index.js';
import { openRegistryStore } from '../../registry/index.js';
import { ApiClient } from '../dashboard/client.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'mật-khẩu-đủ-dài';

describe('the stack on PostgreSQL', () => {
  let pg: TestPostgres;
  let url: string;
  let s: TestStack;

  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase();
    s = await startTestStack({ dashboard: startDashboard, overrides: { registry: { url } } });
  });
  afterAll(async () => {
    await s?.close();
    await pg?.stop();
  });

  it('provisions a device over REST; it connects over MQTT and its reading reaches InfluxDB', async () => {
    const { district, school, site, room } = await seedSchool(s.registry);
    await s.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', scope: { schoolIds: [school.id] } });
    const tech = new ApiClient(s.dashboard!.url);
    await tech.login('ktv', PASSWORD);
    const res = await tech.request('POST', '/api/devices', { kind: 'tablet', roomId: room.id, name: 'Máy tính bảng 01', issueCredentials: true });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    const created = res.body as { record: DeviceRecord } & CredentialsResponse;
    const { deviceId, secret } = created.credentials[0]!;

    const client = await connectDevice(s.mqttUrl, deviceId, secret);
    const ts = Date.now() - 1000;
    await client.publishAsync(topics.telemetry(deviceId), JSON.stringify({ ts, battery: 64, charging: true, wifiRssi: -61 }), { qos: 1 });
    await client.endAsync();
    const rows = await waitFor('the reading in InfluxDB', async () => {
      const r = await s.influx.query<Record<string, unknown>>(`SELECT * FROM telemetry_tablet WHERE device = '${deviceId}'`);
      return r.length ? r : null;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ battery: 64, charging: true, kind: 'tablet', room: String(room.id), site: String(site.id), school: String(school.id), district: String(district.id) });
    expect((rows[0]!.time as Date).getTime()).toBe(ts);

    // The record is in PostgreSQL, where another process would read it, and no SQLite registry was made.
    const other = await openRegistryStore({ url, dataDir: s.dir });
    try {
      expect(other.dialect).toBe('postgres');
      expect(await other.device(deviceId)).toMatchObject({ kind: 'tablet', name: 'Máy tính bảng 01', roomId: room.id, hasSecret: true });
    } finally {
      await other.close();
    }
    expect(existsSync(path.join(s.dir, 'registry.sqlite'))).toBe(false);
  });
});
