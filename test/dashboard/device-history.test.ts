import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, startDashboard } from '../../dashboard/server/index.js';
import { RecentReadings } from '../../dashboard/server/readings.js';
import type { ApiErrorBody, DeviceEventsResponse, HistoryPoint, HistoryResponse } from '../../api/index.js';
import type { Clock } from '../../lib/clock.js';
import { ensureInfluxSchema, influxClient, RAW_MEASUREMENTS, RAW_RP, telemetryMeasurement } from '../../lib/influx/index.js';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import type { Device } from '../../registry/index.js';
import { UsageQueries } from '../../usage/queries.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { ApiClient } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const MIN = 60_000;
const HOUR = 60 * MIN;

/** Mean, min and max of the written readings per bucket, grouped the way a person would: by local clock buckets. */
function expectedBuckets(readings: { ts: number; v: number }[], bucketMs: number, offsetMs: number): Map<number, { mean: number; min: number; max: number }> {
  const groups = new Map<number, number[]>();
  for (const r of readings) {
    const b = Math.floor((r.ts - offsetMs) / bucketMs) * bucketMs + offsetMs;
    groups.set(b, [...(groups.get(b) ?? []), r.v]);
  }
  return new Map([...groups].map(([b, vs]) => [b, { mean: vs.reduce((a, x) => a + x, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs) }]));
}

function expectMatches(points: HistoryPoint[], expected: Map<number, { mean: number; min: number; max: number }>) {
  for (const p of points) {
    const e = expected.get(p.ts);
    expect(e, `bucket ${new Date(p.ts).toISOString()}`).toBeDefined();
    expect(p.mean).toBeCloseTo(e!.mean, 6);
    expect(p.min).toBe(e!.min);
    expect(p.max).toBe(e!.max);
  }
}

describe('GET /api/devices/:id/history and /events', () => {
  // Mid-bucket, an hour ago: the dashboard's clock stands still here while InfluxDB holds readings on both sides.
  const T = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN - HOUR + 150_000;
  const clock: Clock = { now: () => T };
  let s: TestStack;
  let admin: ApiClient;
  let tech: ApiClient;
  let sensor: Device;
  let otherBoard: Device;
  /** Two days of one reading a minute up to T. */
  const readings: { ts: number; v: number }[] = [];

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: (parts) => startDashboard({ ...parts, clock }) });
    const a = await seedSchool(s.registry, 'LC-THPT-CHUYEN');
    const schoolB = await s.registry.ensureSchool({ code: 'LC-THCS-COC-LEU', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: a.district.id });
    const siteB = await s.registry.ensureSite({ schoolId: schoolB.id, name: 'Điểm chính' });
    const roomB = await s.registry.ensureRoom({ siteId: siteB.id, code: 'P.TIN', name: 'Phòng Tin học', type: 'computer_room' });
    sensor = (await s.registry.addDevice({ kind: 'sensor', roomId: a.room.id, name: 'Cảm biến P.TM1', issueSecret: false })).device;
    otherBoard = (await s.registry.addDevice({ kind: 'board', roomId: roomB.id, name: 'Bảng tương tác P.Tin', issueSecret: false })).device;
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'ktv-a', password: PASSWORD, role: 'technician', scope: { schoolIds: [a.school.id] } });

    await ensureInfluxSchema(s.influx, s.config.influx);
    for (let k = 0; k < 2 * 24 * 60; k++) readings.push({ ts: T - k * MIN, v: 20 + (k % 7) + (k % 3) / 4 });
    // After the clock's now: the answer must not include it.
    const future = { ts: T + MIN, v: 1000 };
    const points = [...readings, future].map((r) => ({
      measurement: telemetryMeasurement('sensor'), tags: { device: sensor.id, school: String(a.school.id) }, fields: { temperature: r.v }, timestamp: new Date(r.ts),
    }));
    points.push({ measurement: telemetryMeasurement('board'), tags: { device: otherBoard.id, school: String(schoolB.id) }, fields: { temperature: 40 }, timestamp: new Date(T - MIN) });
    await s.influx.writePoints(points, { retentionPolicy: RAW_RP, precision: 'ms' });
    const events = Array.from({ length: 105 }, (_, i) => ({
      measurement: RAW_MEASUREMENTS.event, tags: { device: sensor.id }, fields: { type: i % 2 ? 'error' : 'session_start', code: `E${i}`, message: `sự kiện ${i}` }, timestamp: new Date(T - (105 - i) * MIN),
    }));
    await s.influx.writePoints(events, { retentionPolicy: RAW_RP, precision: 'ms' });

    admin = new ApiClient(s.dashboard!.url);
    await admin.login('admin', PASSWORD);
    tech = new ApiClient(s.dashboard!.url);
    await tech.login('ktv-a', PASSWORD);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('answers 24 h as 288 five-minute buckets of mean, min and max, defaulting to the kind\'s chart field', async () => {
    const h = await admin.get<HistoryResponse>(`/api/devices/${sensor.id}/history?window=24h`);
    expect(h).toMatchObject({ field: 'temperature', window: '24h', bucketMs: 5 * MIN, rawRetention: '90d' });
    expect(h.error).toBeUndefined();
    expect(h.points).toHaveLength(288);
    const current = Math.floor(T / (5 * MIN)) * 5 * MIN;
    expect(h.points.at(-1)!.ts).toBe(current);
    expect(h.points[0]!.ts).toBe(current - 287 * 5 * MIN);
    expect(h.points.every((p) => p.max! < 1000)).toBe(true);
    expectMatches(h.points, expectedBuckets(readings, 5 * MIN, 0));
    // The default window is 24 h.
    expect((await admin.get<HistoryResponse>(`/api/devices/${sensor.id}/history`)).points).toHaveLength(288);
  });

  it('answers 1 h with the raw readings, oldest first', async () => {
    const h = await admin.get<HistoryResponse>(`/api/devices/${sensor.id}/history?window=1h&field=temperature`);
    expect(h.bucketMs).toBe(0);
    const expected = readings.filter((r) => r.ts >= T - HOUR).sort((x, y) => x.ts - y.ts);
    expect(h.points.map((p) => [p.ts, p.mean])).toEqual(expected.map((r) => [r.ts, r.v]));
    expect(h.points).toHaveLength(61);
  });

  it('answers 7 d per 30 minutes and 30 d per 2 hours starting on even local hours, with what raw retention keeps', async () => {
    const week = await admin.get<HistoryResponse>(`/api/devices/${sensor.id}/history?window=7d`);
    expect(week.bucketMs).toBe(30 * MIN);
    expect(week.points.length).toBeLessThanOrEqual(336);
    expect(week.points.length).toBeGreaterThanOrEqual(96);
    expectMatches(week.points, expectedBuckets(readings, 30 * MIN, 0));

    const month = await admin.get<HistoryResponse>(`/api/devices/${sensor.id}/history?window=30d`);
    expect(month.bucketMs).toBe(2 * HOUR);
    expect(month.points.length).toBeLessThanOrEqual(360);
    expect(month.points.length).toBeGreaterThanOrEqual(24);
    // Vietnam is UTC+7: a bucket starts at 00:00, 02:00 … local time.
    expect(month.points.every((p) => (p.ts + 7 * HOUR) % (2 * HOUR) === 0)).toBe(true);
    expectMatches(month.points, expectedBuckets(readings, 2 * HOUR, HOUR));
  });

  it('refuses a field the kind has not, or that is not a number, with the valid names', async () => {
    const r = await admin.request('GET', `/api/devices/${sensor.id}/history?field=power`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'EDUFLEET_ERR_REQUEST_INVALID' });
    expect((r.body as ApiErrorBody).message).toContain('temperature, humidity, co2');
    const notNumeric = await admin.request('GET', `/api/devices/${otherBoard.id}/history?field=input`);
    expect(notNumeric.status).toBe(400);
    expect((await admin.request('GET', `/api/devices/${sensor.id}/history?window=2d`)).status).toBe(400);
    const empty = await admin.get<HistoryResponse>(`/api/devices/${sensor.id}/history?field=humidity`);
    expect(empty).toMatchObject({ field: 'humidity', points: [] });
  });

  it('keeps the device page\'s scope rules: 401, 404, 403 outside the scope', async () => {
    const anon = new ApiClient(s.dashboard!.url);
    expect((await anon.request('GET', `/api/devices/${sensor.id}/history`)).status).toBe(401);
    expect((await anon.request('GET', `/api/devices/${sensor.id}/events`)).status).toBe(401);
    expect((await admin.request('GET', '/api/devices/khong-co-thiet-bi/history')).status).toBe(404);
    for (const path of [`/api/devices/${otherBoard.id}/history`, `/api/devices/${otherBoard.id}/events`]) {
      const r = await tech.request('GET', path);
      expect(r.status, path).toBe(403);
      expect(r.body).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' });
    }
    expect((await tech.get<HistoryResponse>(`/api/devices/${sensor.id}/history`)).points).toHaveLength(288);
    expect((await admin.get<HistoryResponse>(`/api/devices/${otherBoard.id}/history?window=1h`)).points).toEqual([{ ts: T - MIN, mean: 40, min: 40, max: 40 }]);
  });

  it('lists the latest 100 events newest first', async () => {
    const e = await tech.get<DeviceEventsResponse>(`/api/devices/${sensor.id}/events`);
    expect(e.error).toBeUndefined();
    expect(e.events).toHaveLength(100);
    expect(e.events[0]).toEqual({ ts: T - MIN, type: 'session_start', code: 'E104', message: 'sự kiện 104' });
    expect(e.events.at(-1)!.code).toBe('E5');
    expect(e.events.every((x, i) => i === 0 || x.ts < e.events[i - 1]!.ts)).toBe(true);
    expect((await admin.get<DeviceEventsResponse>(`/api/devices/${otherBoard.id}/events`)).events).toEqual([]);
  });

  describe('with InfluxDB down', () => {
    let app: FastifyInstance;
    let c: ApiClient;
    beforeAll(async () => {
      const down = 'http://127.0.0.1:9';
      app = await buildApp({
        config: s.config, log: createLogger('silent'), metrics: createMetrics(), clock, registry: s.registry, usageStore: s.registry.usage,
        directory: s.directory, readings: new RecentReadings(down, s.config.influx),
        usage: new UsageQueries(influxClient(down, s.config.influx), s.config.influx.database),
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      c = new ApiClient(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
      await c.login('admin', PASSWORD);
    });
    afterAll(async () => {
      await app?.close();
    });

    it('answers 200 with an error and no points, so the page still works', async () => {
      const h = await c.request('GET', `/api/devices/${sensor.id}/history?window=24h`);
      expect(h.status).toBe(200);
      expect(h.body).toMatchObject({ field: 'temperature', window: '24h', points: [], error: expect.stringContaining('InfluxDB') });
      const e = await c.request('GET', `/api/devices/${sensor.id}/events`);
      expect(e.status).toBe(200);
      expect(e.body).toMatchObject({ events: [], error: expect.stringContaining('InfluxDB') });
      // A bad field is still the caller's mistake, whatever InfluxDB does.
      expect((await c.request('GET', `/api/devices/${sensor.id}/history?field=nope`)).status).toBe(400);
    });
  });
});
