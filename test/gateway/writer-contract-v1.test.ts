import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InfluxV1Writer, PermanentWriteError } from '../../gateway/telemetry-writer.js';
import { ManagedInfluxd, qualified, RAW_RP } from '../../lib/influx/index.js';
import { influxOptions, testInfluxClient } from '../helpers/influx.js';
import { tempDir } from '../helpers/stack.js';
import { writerContract, type WriterTarget } from './writer-contract.js';

/** The tags the gateway writes (gateway/enrich.ts): every other column of a row is a field. */
const TAGS = new Set(['device', 'kind', 'room', 'site', 'school', 'district']);
const DB = 'contract';

const dir = tempDir('edufleet-contract-v1-');
const influxd = new ManagedInfluxd(path.join(dir, 'influxdb'));
let target: WriterTarget | undefined;

/** Every field of every row of a measurement, as `device|field|ts` → value. */
async function fields(m: string): Promise<Map<string, unknown>> {
  const rows = await testInfluxClient(influxd, DB).query<Record<string, unknown> & { time: Date; device: string }>(`SELECT * FROM ${qualified(DB, RAW_RP, m)}`);
  const out = new Map<string, unknown>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) if (k !== 'time' && !TAGS.has(k) && v !== null) out.set(`${r.device}|${k}|${r.time.getTime()}`, v);
  }
  return out;
}

beforeAll(async () => {
  await influxd.start();
  const writer = new InfluxV1Writer({ ...influxOptions(influxd), database: DB, rawRetention: '3650d', rollupRetention: '3650d' });
  await writer.ensureSchema();
  target = {
    writer,
    async numbers(m) {
      const out = new Map<string, number>();
      for (const [k, v] of await fields(m)) if (typeof v === 'number' || typeof v === 'boolean') out.set(k, Number(v));
      return out;
    },
    async strings(m) {
      const out = new Map<string, string>();
      for (const [k, v] of await fields(m)) if (typeof v === 'string') out.set(k, v);
      return out;
    },
    // InfluxDB 1.x answers 400 "unable to parse" for a field without a value.
    refusedLine: (m) => `${m},device=TB-0 battery= ${Date.now()}`,
    stop: () => influxd.stop(),
    start: async () => { await influxd.start(); },
  };
});

afterAll(async () => {
  await influxd.stop();
  rmSync(dir, { recursive: true, force: true });
});

writerContract('the InfluxDB v1 writer on InfluxDB 1.x', () => target!);

it('keeps a batch refused for a wrong password or a missing database to retry, not to drop: a set-up fault is not bad data', async () => {
  const line = Buffer.from(`telemetry_contract_setup,device=TB-0 battery=1 ${Date.now()}\n`);
  const wrongPassword = new InfluxV1Writer({ ...influxOptions(influxd), password: 'not-the-password', database: DB, rawRetention: '3650d', rollupRetention: '3650d' });
  const noDatabase = new InfluxV1Writer({ ...influxOptions(influxd), database: 'no_such_database', rawRetention: '3650d', rollupRetention: '3650d' });
  for (const w of [wrongPassword, noDatabase]) {
    const err = await w.writeBatch(line).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PermanentWriteError);
    expect((err as Error).message).toMatch(/\((401|404)\)/);
  }
});
