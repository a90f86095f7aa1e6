/**
 * Issue 21's test of the uplink: a simulated school day at an edge site, in compressed time with the day's own
 * timestamps (as `sim backfill` does). A real provincial stack (broker with TLS, gateway, InfluxDB), a real edge
 * (`edufleet start --edge` as a child process) and a TCP relay between them the test cuts for six hours of the day;
 * the edge is SIGKILLed once during the cut while its boards publish. Every reading acknowledged to a board is in the
 * provincial InfluxDB exactly once with its original time, arrived in each board's order (the province's apply counts
 * no gap), and the site's rooms are fully covered for the day once the backlog has arrived.
 */
import net from 'node:net';
import path from 'node:path';
import { rmSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeKeys } from '../../edge/keys.js';
import { registerEdge } from '../../edge/register.js';
import { edgeDir } from '../../edge/sneakernet.js';
import { systemClock } from '../../lib/clock.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import type { RegistryStore } from '../../registry/index.js';
import { addDays, defaultTerms, isoWeekday, isTeachingDay, localDate, localMidnight, schoolYearOf } from '../../timetable/index.js';
import { UsageAnalyser } from '../../usage/analyser.js';
import { influxEnv, influxOptions } from '../helpers/influx.js';
import { exited, startEdufleetProcess, type EdufleetProcess } from '../helpers/process.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { refusalCode, seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { makeCertificates } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait.js';

const MIN = 60_000;
const SITE = 'LC-THPT-BAT-XAT';

/** A THPT teaching Monday at least a week ago. */
function pastTeachingMonday(): string {
  let d = addDays(localDate(Date.now()), -7);
  while (isoWeekday(d) !== 1 || !defaultTerms('thpt', schoolYearOf(d)).some((t) => isTeachingDay(t, d))) d = addDays(d, -1);
  return d;
}
const DAY = pastTeachingMonday();
const at = (hhmm: string) => localMidnight(DAY) + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;

/** A free loopback port (the edge keeps its MQTT port across its restart, as a real school's does). */
const freePort = () => new Promise<number>((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address() as net.AddressInfo;
    srv.close(() => resolve(port));
  });
});

/** A once-settable gate a board waits at. */
const gate = () => {
  let open!: () => void;
  const p = new Promise<void>((r) => { open = r; });
  return { p, open };
};

describe('an edge site\'s school day with the uplink cut for six hours and the edge killed during the cut', () => {
  const dir = tempDir('edufleet-edge-day-');
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  const edgeData = path.join(dir, 'edge');
  const boards = Array.from({ length: 5 }, (_, i) => `bx-board-0${i + 1}`);
  const secrets = new Map<string, string>();
  const acked = new Map<string, number[]>(boards.map((b) => [b, []]));
  let province: TestStack;
  let relay: Relay;
  let edge: EdufleetProcess;
  let edgeEnv: Record<string, string>;
  let edgeId = '';
  let edgePort = 0;
  /** Resolves while the edge runs; replaced while it is down (a board waits on it to connect again). */
  let edgeUp: Promise<void> = Promise.resolve();
  let schoolId = 0;
  let roomIds: number[] = [];

  const seed = async (r: RegistryStore) => {
    const { site, room, school } = await seedSchool(r, SITE);
    const rooms = [room, ...await Promise.all([2, 3, 4, 5].map((n) => r.ensureRoom({ siteId: site.id, code: `P.TM${n}`, name: `Phòng học thông minh ${n}`, type: 'smart_classroom', capacity: 40 })))];
    const added = await r.addDevices(boards.map((id, i) => ({ id, kind: 'board', roomId: rooms[i]!.id })));
    for (const a of added) secrets.set(a.device.id, a.secret!);
    return { school, rooms };
  };

  beforeAll(async () => {
    await influxd.start();
    const certs = await makeCertificates(dir);
    province = await startTestStack({
      dir: path.join(dir, 'province'),
      overrides: { influx: influxOptions(influxd), mqtt: { tlsPort: 0, wssPort: 0, tlsCertFile: certs.cert, tlsKeyFile: certs.key } },
    });
    const p = await seed(province.registry);
    schoolId = p.school.id;
    roomIds = p.rooms.map((x) => x.id);
    const keys = edgeKeys(edgeDir(edgeData));
    edgeId = keys.id;
    await registerEdge(province.registry, { site: SITE, name: 'Máy chủ trường Bát Xát', signKey: keys.signKey, boxKey: keys.boxKey }, { byUser: 'admin', at: Date.now() });
    relay = await startRelay(province.broker!.tlsPort);
    edgePort = await freePort();
    edgeEnv = {
      ...influxEnv(influxd), EDUFLEET_INFLUX_DATABASE: 'edge_local', EDUFLEET_DATA_DIR: edgeData, EDUFLEET_LOG_LEVEL: 'warn',
      EDUFLEET_EDGE_SITE: SITE, EDUFLEET_EDGE_UPLINK_URL: `mqtts://127.0.0.1:${relay.port}`, EDUFLEET_EDGE_UPLINK_CA_FILE: certs.ca,
      EDUFLEET_EDGE_BACKLOG_RATE_PER_SEC: '20000', EDUFLEET_MQTT_HOST: '127.0.0.1', EDUFLEET_MQTT_PORT: String(edgePort), EDUFLEET_MQTT_WS_PORT: '0',
      EDUFLEET_DASHBOARD_HOST: '127.0.0.1', EDUFLEET_DASHBOARD_PORT: '0', EDUFLEET_USAGE_ANALYSE_INTERVAL_MS: '0',
    };
    edge = await startEdufleetProcess(['--edge'], edgeEnv);
    // The province's bundle (asked at the first connect) brings the site's boards and the secrets the province issued.
    await waitFor('the boards known at the edge', async () => (await refusalCode(`mqtt://127.0.0.1:${edgePort}`, boards[0]!, boards[0]!, secrets.get(boards[0]!)!)) === 'accepted', 60_000);
  }, 120_000);

  afterAll(async () => {
    if (edge && edge.child.exitCode === null && edge.child.signalCode === null) {
      edge.child.kill('SIGTERM');
      await exited(edge.child);
    }
    await relay?.close();
    await province?.close();
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A board's day: status online, then a reading a minute; each re-sent after a lost connection until acknowledged. */
  async function boardDay(id: string, gates: { ts: number; wait: Promise<void>; reached?: () => void }[]): Promise<void> {
    const url = `mqtt://127.0.0.1:${edgePort}`;
    let c: { client: MqttClient; closed: Promise<false> } | undefined;
    const connect = async () => {
      for (;;) {
        await edgeUp;
        const client = mqtt.connect(url, { clientId: id, username: id, password: secrets.get(id)!, reconnectPeriod: 0, connectTimeout: 3000 });
        const closed = new Promise<false>((r) => client.once('close', () => r(false)));
        const ok = await new Promise<boolean>((r) => { client.once('connect', () => r(true)); client.once('error', () => r(false)); void closed.then(r); });
        if (ok) return { client, closed };
        client.end(true);
      }
    };
    const send = async (topic: string, payload: string): Promise<void> => {
      for (;;) {
        c ??= await connect();
        const ok = await Promise.race([c.client.publishAsync(topic, payload, { qos: 1 }).then(() => true, () => false), c.closed]);
        if (ok) return;
        // Not acknowledged: the board keeps it and sends it again once connected (a QoS 1 device does).
        c.client.end(true);
        c = undefined;
      }
    };
    await send(`edu/v1/${id}/status`, JSON.stringify({ state: 'online', ts: at('06:45') }));
    for (let t = at('06:45'); t < at('17:00'); t += MIN) {
      for (const g of gates) if (g.ts === t) {
        g.reached?.();
        await g.wait;
      }
      const used = t >= at('07:00') && t < at('11:15');
      await send(`edu/v1/${id}/telemetry`, JSON.stringify({ ts: t, power: used ? 'on' : 'standby', touches: used ? 5 : 0 }));
      acked.get(id)!.push(t);
    }
    c?.client.end(true);
  }

  it('every acknowledged reading reaches the province exactly once, with its time, in order, and the rooms are covered', async () => {
    const cut = gate();
    const restore = gate();
    const killAt = gate();
    const reachedKill = gate();
    const days = boards.map((id, i) => boardDay(id, [
      { ts: at('10:00'), wait: cut.p },
      // The first board tells when it is half-way through the cut; the others keep publishing meanwhile.
      { ts: at('13:00'), wait: i === 0 ? killAt.p : Promise.resolve(), ...(i === 0 ? { reached: reachedKill.open } : {}) },
      { ts: at('16:00'), wait: restore.p },
    ]));
    // Until 10:00 the link is up: the morning reaches the province as it happens.
    await waitFor('the boards at 10:00', () => boards.every((b) => acked.get(b)!.at(-1) === at('10:00') - MIN), 60_000);
    await waitFor('the morning at the province', async () => (await provinceCount()) >= boards.length * ((at('10:00') - at('06:45')) / MIN), 60_000);
    relay.cut();
    cut.open();
    await reachedKill.p;
    const restarted = gate();
    edgeUp = restarted.p;
    edge.child.kill('SIGKILL');
    await exited(edge.child);
    killAt.open();
    edge = await startEdufleetProcess(['--edge'], edgeEnv);
    restarted.open();
    await waitFor('the boards at 16:00', () => boards.every((b) => acked.get(b)!.at(-1) === at('16:00') - MIN), 120_000);
    // Nothing of the cut got through.
    expect(await provinceCount()).toBeLessThan(boards.length * ((at('16:00') - at('06:45')) / MIN));
    relay.restore();
    restore.open();
    await Promise.all(days);
    const perBoard = (at('17:00') - at('06:45')) / MIN;
    await waitFor('the whole day at the province', async () => (await provinceCount()) === boards.length * perBoard, 120_000);
    for (const id of boards) {
      const rows = await province.influx.query<{ time: Date }>(`SELECT touches FROM raw.telemetry_board WHERE device = '${id}' AND time >= ${at('06:00')}ms AND time < ${at('18:00')}ms`);
      expect(rows.map((r) => r.time.getTime())).toEqual(acked.get(id));
    }
    const m = await province.metrics.registry.getSingleMetricAsString('edufleet_edge_records_total');
    expect(m).not.toMatch(/outcome="gap"/);
    expect(m).not.toMatch(/outcome="refused"/);
    const r = province.registry;
    // The edge told the province about itself over the link (up/state): the provincial view of its edges.
    expect((await r.edges.get(edgeId))?.lastReport?.via).toBe('link');
    await r.usage.markDirtyDays([DAY], Date.now());
    await new UsageAnalyser({ influx: province.influx, database: 'edufleet', registry: r, store: r.usage, clock: systemClock }).analyseDay(DAY);
    const totals = await r.usage.roomTotals({ from: DAY, to: addDays(DAY, 1), schoolIds: [schoolId] });
    for (const room of roomIds) {
      const t = totals.get(room)!;
      expect(t.timetabledMin).toBeGreaterThan(0);
      expect(t.coveredMin).toBe(t.timetabledMin);
    }
  }, 300_000);

  async function provinceCount(): Promise<number> {
    const rows = await province.influx.query<{ n: number }>(`SELECT count(touches) AS n FROM raw.telemetry_board WHERE time >= ${at('06:00')}ms AND time < ${at('18:00')}ms`);
    return rows[0]?.n ?? 0;
  }
});
