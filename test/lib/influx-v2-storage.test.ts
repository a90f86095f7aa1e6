/**
 * Where the usage analysis's InfluxDB paths part (lib/influx/rollup-storage.ts, client.ts): `influx.version` picks
 * the storage; a 2.x primary's v1-compatibility requests carry the token; and the 1.x storage, the one a real
 * server here can hold, clears exactly a day. The 2.x management and delete calls have no server here to run
 * against (docs/integration.md, "What is tested here, and what is not"); their requests are v2-plan.ts's, tested in
 * influx-v2-plan.test.ts.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ensureInfluxSchema, influxClient, ManagedInfluxd, ROLLUP_RP, rollupStorage, USAGE_MEASUREMENTS, V1RollupStorage, V2RollupStorage } from '../../lib/influx/index.js';
import { localMidnight } from '../../timetable/index.js';
import { testInfluxClient } from '../helpers/influx.js';
import { tempDir } from '../helpers/stack.js';
import { createLogger } from '../../lib/logger.js';
import { systemClock } from '../../lib/clock.js';
import type { RegistryStore, ReportStore } from '../../registry/index.js';
import { UsageLoop } from '../../usage/usage-loop.js';

const V2 = {
  EDUFLEET_INFLUX_VERSION: '2', EDUFLEET_INFLUX_URL: 'http://127.0.0.1:9', EDUFLEET_INFLUX_TOKEN: 'tok-en/Secret==',
  EDUFLEET_INFLUX_ORG: 'so-gddt-lao-cai', EDUFLEET_INFLUX_BUCKET: 'edufleet',
};

describe('the InfluxDB storage the usage analysis gets', () => {
  it('is the 2.x one (buckets, delete API, set up only to analyse) for influx.version 2 and the 1.x one otherwise', () => {
    const v2 = loadConfig({ env: V2 }).influx;
    const s2 = rollupStorage(v2, influxClient(v2.url, v2));
    expect(s2).toBeInstanceOf(V2RollupStorage);
    expect(s2.ownsSchema).toBe(false);
    const v1 = loadConfig({ env: {} }).influx;
    const s1 = rollupStorage({ ...v1, url: 'http://127.0.0.1:9' }, influxClient('http://127.0.0.1:9', v1));
    expect(s1).toBeInstanceOf(V1RollupStorage);
    expect(s1.ownsSchema).toBe(true);
  });

  it('fails the 2.x set-up of an unreachable server without the token anywhere in the error', async () => {
    const v2 = loadConfig({ env: V2 }).influx;
    const err = await rollupStorage(v2, influxClient(v2.url, v2)).ensureSchema().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const seen = `${String(err)} ${JSON.stringify(err)} ${(err as Error).stack}`;
    expect(seen).not.toContain(V2.EDUFLEET_INFLUX_TOKEN);
  });
});

describe('the usage component with an InfluxDB 2.x primary', () => {
  /** A loop on a server that is not there; the registry and report store are never reached before a pass. */
  async function started(env: Record<string, string>) {
    const config = loadConfig({ env: { ...V2, ...env } });
    const loop = new UsageLoop({ config, influxUrl: config.influx.url, registry: {} as RegistryStore, store: {} as ReportStore, log: createLogger('silent'), clock: systemClock });
    await loop.start();
    const h = loop.health();
    await loop.stop();
    return h;
  }

  it('leaves the operator\'s server alone at start when usage analysis is off', async () => {
    const h = await started({ EDUFLEET_USAGE_ANALYSE_INTERVAL_MS: '0' });
    expect(h.lastError).toBeUndefined();
  });

  it('sets up its buckets at start when usage analysis is on, and shows a failure on its health', async () => {
    const h = await started({ EDUFLEET_USAGE_ANALYSE_INTERVAL_MS: '300000' });
    expect(h.lastError?.context).toBe('InfluxDB schema set-up');
    expect(h.lastError?.message).not.toContain(V2.EDUFLEET_INFLUX_TOKEN);
  });
});

/**
 * What leaves the client, recorded on a loopback socket that answers nothing (it is no InfluxDB of any version:
 * it reads the request and hangs up), so the header is checked as sent.
 */
describe('the v1-compatibility client of an InfluxDB 2.x primary', () => {
  let server: Server;
  let url: string;
  const sockets = new Set<Socket>();
  let requests: string[] = [];
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.once('data', (chunk) => {
        requests.push(chunk.toString('latin1'));
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  /** The Authorization header of each request the client sent for one query and one write. */
  async function sentAuth(env: Record<string, string>): Promise<string[]> {
    requests = [];
    const c = loadConfig({ env: { ...V2, EDUFLEET_INFLUX_URL: url, ...env } }).influx;
    // A client each: node-influx takes a host that hung up out of its pool for a while.
    await influxClient(url, c).query('SELECT * FROM "edufleet"."rollup"."usage_daily"').catch(() => undefined);
    await influxClient(url, c).writePoints([{ measurement: 'usage_daily', fields: { periods: 1 } }], { retentionPolicy: ROLLUP_RP }).catch(() => undefined);
    return requests.map((r) => r.split('\r\n').filter((l) => /^authorization:/i.test(l)).join('|'));
  }

  it('sends the token as Authorization: Token on /query and /write, and no Basic credential', async () => {
    expect(await sentAuth({})).toEqual([`Authorization: Token ${V2.EDUFLEET_INFLUX_TOKEN}`, `Authorization: Token ${V2.EDUFLEET_INFLUX_TOKEN}`]);
  });

  it('sends the v1 authorization as Basic instead when influx.username names one', async () => {
    const basic = `Authorization: Basic ${Buffer.from('edufleet:v1-pass').toString('base64')}`;
    expect(await sentAuth({ EDUFLEET_INFLUX_USERNAME: 'edufleet', EDUFLEET_INFLUX_PASSWORD: 'v1-pass' })).toEqual([basic, basic]);
  });
});

describe('the InfluxDB 1.x storage of the usage analysis', () => {
  const dir = tempDir('edufleet-influx-v1-storage-');
  const influxd = new ManagedInfluxd(path.join(dir, 'influxdb'));
  const SCHEMA = { database: 'edufleet', rawRetention: '3650d', rollupRetention: '3650d' };
  beforeAll(async () => {
    await influxd.start();
  });
  afterAll(async () => {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('clears every usage measurement of a local day, and keeps the day before and the next day\'s rollups at its midnight', async () => {
    const influx = testInfluxClient(influxd);
    await ensureInfluxSchema(influx, SCHEMA);
    const from = localMidnight('2026-12-07');
    const to = localMidnight('2026-12-08');
    const stamps = [from - 1, from, to - 1, to];
    await influx.writePoints(USAGE_MEASUREMENTS.flatMap((m) => stamps.map((timestamp) => ({ measurement: m, tags: { room: '1' }, fields: { v: 1 }, timestamp }))),
      { retentionPolicy: ROLLUP_RP, precision: 'ms' });
    await new V1RollupStorage(influx, SCHEMA).deleteRollups(from, to);
    for (const m of USAGE_MEASUREMENTS) {
      const rows = await influx.query<{ time: Date }>(`SELECT "v" FROM "edufleet"."rollup"."${m}"`, { precision: 'ms' });
      expect(rows.map((r) => r.time.getTime())).toEqual([from - 1, to]);
    }
  });
});
