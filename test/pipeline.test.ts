import { describe, expect, it } from 'vitest';
import { topics } from '../protocol/index.js';
import { connectDevice, seedSchool, useTestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

describe('the pipeline, device to InfluxDB', () => {
  const s = useTestStack();

  it('stores a reading published by a provisioned tablet in InfluxDB with its school, site, room and district tags', async () => {
    const { district, school, site, room } = await seedSchool(s.registry);
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id, name: 'Máy tính bảng 01' });
    const client = await connectDevice(s.mqttUrl, device.id, secret!);
    const ts = Date.now() - 1000;
    await client.publishAsync(topics.telemetry(device.id), JSON.stringify({ ts, battery: 87, charging: false, wifiRssi: -55, screenOn: true }), { qos: 1 });
    await client.endAsync();

    const rows = await waitFor('the reading in InfluxDB', async () => {
      const r = await s.influx.query<Record<string, unknown>>(`SELECT * FROM telemetry_tablet WHERE device = '${device.id}'`);
      return r.length ? r : null;
    });
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.battery).toBe(87);
    expect(row.charging).toBe(false);
    expect(row.screenOn).toBe(true);
    expect((row.time as Date).getTime()).toBe(ts);
    expect(row).toMatchObject({ kind: 'tablet', room: String(room.id), site: String(site.id), school: String(school.id), district: String(district.id) });
  });
});
