import { openRegistryStore } from '../../registry/index.js';
import { telemetryMeasurement } from '../../lib/influx/index.js';

/** One simulated tablet: its MQTT credentials and the tags the gateway gives its points. */
export interface BenchDevice {
  id: string;
  secret: string;
  tags: Record<string, string>;
}

/** The shape of the load: how many devices, how many readings each, how many QoS 1 publishes each keeps open. */
export interface LoadShape {
  devices: number;
  messagesPerDevice: number;
  window: number;
}

export const totalMessages = (s: LoadShape) => s.devices * s.messagesPerDevice;

export const KIND = 'tablet';
export const MEASUREMENT = telemetryMeasurement(KIND);
/** The field every reading carries and the count queries count. */
export const COUNT_FIELD = 'battery';

const deviceId = (i: number) => `bench-tablet-${String(i).padStart(4, '0')}`;

/**
 * Provisions `n` tablets in the registry of `dataDir` or at `registryUrl` (one district, school, site and room) and returns their
 * secrets. Done before the EduFleet child starts, so its device directory loads them all at once.
 */
export async function provisionFleet(dataDir: string, n: number, registryUrl?: string): Promise<BenchDevice[]> {
  // SQLite in the data directory (the EduFleet child started on it afterwards opens the same files), or the shared
  // PostgreSQL registry of a cluster when `registryUrl` is given.
  const reg = await openRegistryStore({ dataDir, ...(registryUrl ? { url: registryUrl } : {}) });
  try {
    const ids = await reg.ensurePlaces({
      districts: [{ code: 'BENCH-D', name: 'Bench district' }],
      schools: [{ code: 'BENCH-S', name: 'Bench school', level: 'thpt', district: 'BENCH-D', pupils: 1000, sites: [{ name: 'Main', rooms: [{ code: 'R1', name: 'Room 1', type: 'smart_classroom', capacity: 40 }] }] }],
    });
    const school = ids.schools[0]!;
    const site = school.sites[0]!;
    const roomId = site.rooms[0]!;
    const tags = { kind: KIND, room: String(roomId), site: String(site.id), school: String(school.id), district: String(ids.districts.get('BENCH-D')) };
    const added = await reg.addDevices(Array.from({ length: n }, (_, i) => ({ kind: KIND, roomId, id: deviceId(i) })));
    return added.map(({ device, secret }) => ({ id: device.id, secret: secret!, tags: { device: device.id, ...tags } }));
  } finally {
    await reg.close();
  }
}

/** Devices with the same ids and tags but no registry, for Mosquitto and the raw InfluxDB reference. */
export function anonymousFleet(n: number): BenchDevice[] {
  const tags = { kind: KIND, room: '1', site: '1', school: '1', district: '1' };
  return Array.from({ length: n }, (_, i) => ({ id: deviceId(i), secret: '', tags: { device: deviceId(i), ...tags } }));
}

/** The fields of reading `seq` of one device: deterministic, and every one valid for the tablet schema. */
export function readingFields(seq: number) {
  return {
    battery: 20 + (seq % 80),
    charging: seq % 7 === 0,
    wifiRssi: -40 - (seq % 50),
    screenOn: seq % 3 !== 0,
    temperature: 25 + (seq % 20) / 2,
  };
}

/** The MQTT payload of reading `seq`: one reading with a unique device time `ts = baseTs + seq`. */
export function readingPayload(baseTs: number, seq: number): string {
  return JSON.stringify({ ts: baseTs + seq, seq, ...readingFields(seq) });
}

const escTag = (s: string) => s.replace(/[,= ]/g, (c) => `\\${c}`);

/**
 * The line protocol of the same reading as the gateway writes it (same measurement, tags and fields; numbers as
 * floats, as the `influx` package writes them without a schema), for the raw InfluxDB reference.
 */
export function readingLine(d: BenchDevice, baseTs: number, seq: number): string {
  const tags = Object.keys(d.tags).sort().map((k) => `${k}=${escTag(d.tags[k]!)}`).join(',');
  const f = readingFields(seq);
  const fields = `battery=${f.battery},charging=${f.charging},screenOn=${f.screenOn},seq=${seq},temperature=${f.temperature},wifiRssi=${f.wifiRssi}`;
  return `${MEASUREMENT},${tags} ${fields} ${baseTs + seq}`;
}

/**
 * All readings as line-protocol bodies of `batchSize` lines, in the order devices would deliver them (reading 0 of
 * every device, then reading 1 …), built before the clock starts.
 */
export function lineBatches(devices: BenchDevice[], messagesPerDevice: number, baseTs: number, batchSize: number): string[] {
  const batches: string[] = [];
  let lines: string[] = [];
  for (let seq = 0; seq < messagesPerDevice; seq++) {
    for (const d of devices) {
      lines.push(readingLine(d, baseTs, seq));
      if (lines.length === batchSize) {
        batches.push(lines.join('\n'));
        lines = [];
      }
    }
  }
  if (lines.length) batches.push(lines.join('\n'));
  return batches;
}
