/**
 * Readable names for Grafana (issue 22, point 4; gateway/device-meta.ts): `device_meta` says where each device sits,
 * with codes and names, by the ids its readings carry; renaming a school changes `device_meta`, never the device's
 * series, and a replayed reading does not add a point. Real broker, gateway and InfluxDB.
 */
import { describe, expect, it } from 'vitest';
import { DeviceMeta, vnMidnight } from '../../gateway/device-meta.js';
import { systemClock } from '../../lib/clock.js';
import { JobLease } from '../../registry/index.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

interface MetaRow { time: Date; device: string; school: string; school_name: string; room: string; room_name: string; district_name: string; school_code: string; room_code: string; district_code: string }

describe('the device_meta measurement', () => {
  const s = useTestStack({ overrides: { gateway: { deviceMetaRefreshMs: 200 } } });
  const meta = (device: string) => s.influx.query<MetaRow>(
    `SELECT last("school_code") AS "school_code", "room_code", "district_code" FROM "device_meta" WHERE "device" = '${device}' GROUP BY "school", "school_name", "room", "room_name", "district_name"`);
  const seriesOf = async (device: string) => (await s.influx.query<{ key: string }>(`SHOW SERIES FROM "telemetry_tablet" WHERE "device" = '${device}'`)).map((r) => r.key);

  it('names a device\'s district, school and room by the ids its readings carry, and follows a rename without a new series of readings', async () => {
    const { school, room } = await seedSchool(s.registry, 'LC-META');
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    await s.directory.refresh();
    const first = await waitFor('the device in device_meta', async () => (await meta(device.id))[0]);
    expect(first).toMatchObject({
      school: String(school.id), school_name: 'Trường THPT Chuyên Lào Cai', school_code: 'LC-META', room: String(room.id), room_name: 'Phòng học thông minh 1',
      room_code: 'P.TM1', district_name: 'Thành phố Lào Cai', district_code: 'TP-LAO-CAI',
    });

    const client = await connectDevice(s.mqttUrl, device.id, secret!);
    const reading = JSON.stringify({ ts: Date.now() - 60_000, battery: 80 });
    await client.publishAsync(topics.telemetry(device.id), reading, { qos: 1 });
    await waitFor('the reading stored', async () => (await seriesOf(device.id)).length === 1);
    const before = await seriesOf(device.id);

    await s.registry.places.update('school', school.id, { name: 'Trường THPT Chuyên Lào Cai (cơ sở mới)' });
    const renamed = await waitFor('the new name in device_meta', async () => (await meta(device.id)).find((r) => r.school_name === 'Trường THPT Chuyên Lào Cai (cơ sở mới)'));
    expect(renamed).toMatchObject({ school: String(school.id), school_code: 'LC-META' });
    expect(renamed.time.getTime()).toBeGreaterThan(first.time.getTime());

    // The same reading again (a replayed backlog) and a new one: one series still, and the replay adds no point.
    await client.publishAsync(topics.telemetry(device.id), reading, { qos: 1 });
    await client.publishAsync(topics.telemetry(device.id), JSON.stringify({ ts: Date.now() - 30_000, battery: 79 }), { qos: 1 });
    await waitFor('the new reading stored', async () => (await s.influx.query(`SELECT battery FROM "telemetry_tablet" WHERE "device" = '${device.id}' AND battery = 79`)).length === 1);
    const count = await s.influx.query<{ n: number }>(`SELECT count("battery") AS n FROM "telemetry_tablet" WHERE "device" = '${device.id}'`);
    expect(count[0]?.n).toBe(2);
    expect(await seriesOf(device.id)).toEqual(before);
    await client.endAsync();
  });

  it('offers Grafana the names as tag values and maps each back to its id', async () => {
    await waitFor('a school name in device_meta', async () => (await s.influx.query('SHOW TAG VALUES FROM "device_meta" WITH KEY = "school_name"')).length > 0);
    const names = (await s.influx.query<{ value: string }>('SHOW TAG VALUES FROM "device_meta" WITH KEY = "district_name"')).map((r) => r.value);
    expect(names).toContain('Thành phố Lào Cai');
    const ids = await s.influx.query<{ value: string }>('SHOW TAG VALUES FROM "device_meta" WITH KEY = "school" WHERE "school_name" =~ /^Trường THPT Chuyên Lào Cai \\(cơ sở mới\\)$/');
    expect(ids.map((r) => r.value)).toEqual([String((await s.registry.schools()).find((x) => x.code === 'LC-META')!.id)]);
  });

  it('writes every device at start stamped with local midnight, so a restart or a second node rewrites the same point', async () => {
    const device = (await s.registry.listDevices({})).devices[0]!.id;
    const startOnce = async () => {
      const m = new DeviceMeta({ directory: s.directory, registry: s.registry, store: (lines) => s.gateway!.store(lines), clock: systemClock, log: s.log, refreshMs: 60_000 });
      await m.start();
      await m.stop();
    };
    const midnight = vnMidnight(Date.now());
    const atMidnight = async () => (await s.influx.query<{ n: number }>(
      `SELECT count("school_code") AS n FROM "device_meta" WHERE "device" = '${device}' AND time = ${midnight}ms`))[0]?.n ?? 0;
    await startOnce();
    await startOnce();
    await waitFor('the start-of-day point', async () => (await atMidnight()) > 0);
    // Its name series may have two points at midnight (before and after the rename); one each, never more.
    const perSeries = await s.influx.query<{ n: number }>(`SELECT count("school_code") AS n FROM "device_meta" WHERE "device" = '${device}' AND time = ${midnight}ms GROUP BY *`);
    expect(perSeries.every((r) => r.n === 1)).toBe(true);
    expect(vnMidnight(Date.UTC(2026, 0, 1, 16, 59))).toBe(Date.UTC(2025, 11, 31, 17));
    expect(vnMidnight(Date.UTC(2026, 0, 1, 17, 0))).toBe(Date.UTC(2026, 0, 1, 17));
  });

  it('is written by the lease holder only, and in full by the process that takes the lease over', async () => {
    const writes = { a: 0, b: 0 };
    const make = (who: 'a' | 'b') => new DeviceMeta({
      directory: s.directory, registry: s.registry, clock: systemClock, log: s.log, refreshMs: 60_000,
      store: async (lines) => { writes[who] += lines.length; await s.gateway!.store(lines); },
      lease: new JobLease({ registry: s.registry, name: 'job:device-meta-test', owner: `node-${who}`, ttlMs: 3_000, log: s.log }),
    });
    const [a, b] = [make('a'), make('b')];
    await a.start();
    await b.start();
    const devices = [...s.directory.all()].length;
    expect(writes).toEqual({ a: devices, b: 0 });
    expect(b.health().details).toMatchObject({ devices: 0, leaseHeld: false });
    // The holder gives the lease back when it stops; the other takes it at its next try and writes every device.
    await a.stop();
    await waitFor('the standby writing every device', () => writes.b === devices && b.health().details?.['devices'] === devices, 30_000);
    expect(writes.b).toBe(devices);
    expect(b.health().details).toMatchObject({ leaseHeld: true });
    await b.stop();
  });
});
