/**
 * The Grafana dashboard (docs/grafana/edufleet.json, issue 22 point 4): every query it holds, with its template
 * variables resolved as Grafana resolves them (each variable's own query run in turn, the values regex-escaped),
 * runs without error against a real InfluxDB after a short load, and the main panels return data. Real broker,
 * gateway, usage analysis and InfluxDB; no Grafana (not in Debian).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_KINDS, KINDS, topics, type DeviceKind } from '../../protocol/index.js';
import { influxHeaders } from '../helpers/influx.js';
import { connectDevice, useTestStack } from '../helpers/stack.js';
import { seedUsage } from '../helpers/usage-seed.js';
import { waitFor } from '../helpers/wait.js';

const FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/grafana/edufleet.json');

interface Variable { name: string; query: string; includeAll: boolean; multi: boolean; allValue?: string; hide: number }
interface Target { refId: string; query: string; alias?: string }
interface Panel { id: number; title: string; targets: Target[] }
interface Dashboard { templating: { list: Variable[] }; panels: Panel[]; timezone: string; __inputs: { pluginId: string }[] }
interface InfluxAnswer { results: { error?: string; series?: { name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }[] }[] }

/** What Grafana's InfluxDB data source does to a value in a query: regex-escaped when the variable is multi or "All". */
const escapeRegex = (v: string) => v.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
function formatted(v: Variable, values: string[] | 'all'): string {
  if (values === 'all' && v.allValue !== undefined) return v.allValue;
  const list = values === 'all' ? [] : values;
  if (!v.multi && !v.includeAll) return list[0]!;
  const esc = list.map(escapeRegex);
  return esc.length === 1 ? esc[0]! : `(${esc.join('|')})`;
}

describe('the Grafana dashboard', () => {
  const s = useTestStack({ overrides: { gateway: { deviceMetaRefreshMs: 200 } } });
  const dashboard = JSON.parse(readFileSync(FILE, 'utf8')) as Dashboard;
  let ids: Awaited<ReturnType<typeof seedUsage>>['ids'];
  const clients: MqttClient[] = [];

  const query = async (q: string): Promise<InfluxAnswer['results'][number]> => {
    const url = `${s.influxUrl}/query?db=${encodeURIComponent(s.config.influx.database)}&epoch=ms&q=${encodeURIComponent(q)}`;
    const res = await fetch(url, { headers: influxHeaders({ influxUrl: s.influxUrl, config: s.config }) });
    expect(res.status, q).toBe(200);
    return ((await res.json()) as InfluxAnswer).results[0]!;
  };
  /** Substitutes the variables (longest name first: `$school_name` before `$school`) and Grafana's macros. */
  const substitute = (q: string, values: Map<string, string>) => {
    let out = q.replaceAll('$timeFilter', 'time > now() - 70d').replaceAll('$__interval', '1h');
    for (const name of [...values.keys()].sort((a, b) => b.length - a.length)) out = out.replaceAll(`$${name}`, values.get(name)!);
    expect(out, q).not.toMatch(/\$[a-z_]/);
    return out;
  };
  /** Resolves the variables in order, as Grafana does: each one's query with those before it, then the choice. */
  const resolve = async (choose: Record<string, string>): Promise<Map<string, string>> => {
    const values = new Map<string, string>();
    for (const v of dashboard.templating.list) {
      const r = await query(substitute(v.query, values));
      expect(r.error, v.query).toBeUndefined();
      const options = (r.series ?? []).flatMap((x) => x.values.map((row) => String(row[1])));
      const pick = choose[v.name];
      if (pick !== undefined) expect(options, v.name).toContain(pick);
      else expect(options.length, `${v.name} has options`).toBeGreaterThan(0);
      values.set(v.name, formatted(v, pick !== undefined ? [pick] : v.hide === 2 ? options : 'all'));
    }
    return values;
  };

  beforeAll(async () => {
    ({ ids } = await seedUsage(s, 'mat-khau-grafana-1'));
    // Devices of every kind online in room A now, each with a reading that carries its kind's chart field.
    for (const kind of DEVICE_KINDS) {
      const { device, secret } = await s.registry.addDevice({ kind, roomId: ids.roomA });
      await s.directory.refresh();
      const c = await connectDevice(s.mqttUrl, device.id, secret!);
      clients.push(c);
      await c.publishAsync(topics.telemetry(device.id), JSON.stringify({ [KINDS[kind].chartField]: 42 }), { qos: 1 });
    }
    await waitFor('device_meta of both schools', async () => (await query('SHOW TAG VALUES FROM "device_meta" WITH KEY = "school"')).series?.[0]?.values.length === 2);
    await waitFor('every kind online', async () => (await query('SELECT count("state") FROM (SELECT last("state") AS "state" FROM "presence" GROUP BY "device") WHERE "state" = \'online\'')).series?.[0]?.values[0]?.[1] === DEVICE_KINDS.length);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
  });

  it('is an InfluxQL dashboard in Vietnam\'s time zone with district and school variables that show names and filter by id', () => {
    expect(dashboard.__inputs[0]!.pluginId).toBe('influxdb');
    expect(dashboard.timezone).toBe('Asia/Ho_Chi_Minh');
    expect(dashboard.templating.list.map((v) => [v.name, v.hide])).toEqual([['district_name', 0], ['district', 2], ['school_name', 0], ['school', 2]]);
    // One series of readings per device kind of the protocol, by the field its chart shows.
    const readings = dashboard.panels.find((p) => p.id === 3)!;
    expect(readings.targets.map((t) => /FROM "telemetry_(\w+)"/.exec(t.query)?.[1])).toEqual(DEVICE_KINDS);
    for (const t of readings.targets) expect(t.query).toContain(`count("${KINDS[/telemetry_(\w+)/.exec(t.query)![1] as DeviceKind].chartField}")`);
  });

  it('runs every query of every panel without error for one school, and the main panels return its data', async () => {
    const values = await resolve({ district_name: 'Thành phố Lào Cai', school_name: 'Trường THPT Lào Cai số 1' });
    expect(values.get('district')).toBe(String(ids.d1));
    expect(values.get('school')).toBe(String(ids.schoolA));
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        const r = await query(substitute(t.query, values));
        expect(r.error, `${p.title} ${t.refId}`).toBeUndefined();
        expect(r.series?.length ?? 0, `${p.title} ${t.refId} returns data`).toBeGreaterThan(0);
      }
    }
    // The names Grafana joins on: the school's row carries its name, the rooms' rows theirs.
    const bySchool = await query(substitute(dashboard.panels.find((p) => p.id === 2)!.targets[1]!.query, values));
    expect(bySchool.series!.map((x) => x.tags)).toEqual([{ school: String(ids.schoolA), school_name: 'Trường THPT Lào Cai số 1', district_name: 'Thành phố Lào Cai' }]);
    const online = await query(substitute(dashboard.panels.find((p) => p.id === 1)!.targets[0]!.query, values));
    expect(online.series!.map((x) => [x.tags?.kind, x.values[0]![1]]).sort()).toEqual(DEVICE_KINDS.map((k) => [k, 1]).sort());
  });

  it('runs every query with "All" districts and schools, over both schools', async () => {
    const values = await resolve({});
    for (const p of dashboard.panels) {
      for (const t of p.targets) expect((await query(substitute(t.query, values))).error, `${p.title} ${t.refId}`).toBeUndefined();
    }
    const rooms = await query(substitute(dashboard.panels.find((p) => p.id === 5)!.targets[1]!.query, values));
    expect(rooms.series!.map((x) => x.tags?.room_name).sort()).toEqual(['Phòng học thông minh A', 'Phòng học thông minh B']);
  });
});
