import mqtt, { type MqttClient } from 'mqtt';
import type { InfluxDB } from 'influx';
import { topics } from '../../protocol/index.js';
import type { RegistryStore } from '../../registry/index.js';
import { seedSchool } from './stack.js';
import { waitFor } from './wait.js';

/**
 * Load that counts what survived a fault: real devices publish QoS 1 readings whose device time is a sequence number
 * (`t0 + seq` ms, unique per device, so a reading is found again in InfluxDB by its time), the harness remembers
 * every reading that got a PUBACK, and after the fault it compares with what InfluxDB holds.
 */

export interface FaultDevice { id: string; secret: string }

/** Seeds `n` tablets with credentials in a school of their own (`code` keeps schools of one file apart). */
export async function seedFaultDevices(registry: RegistryStore, n: number, code = 'FAULT-LOAD'): Promise<FaultDevice[]> {
  const { room } = await seedSchool(registry, code);
  const out: FaultDevice[] = [];
  for (let i = 0; i < n; i++) {
    const { device, secret } = await registry.addDevice({ kind: 'tablet', roomId: room.id });
    out.push({ id: device.id, secret: secret! });
  }
  return out;
}

export interface FaultLoadOptions {
  url: string;
  devices: FaultDevice[];
  /** Readings each device sends in all. */
  perDevice: number;
  /** Readings a device has in flight at once (its outstanding PUBACKs). */
  window?: number;
  /** Device time of sequence number 0; a recent past, so every reading lands in the raw retention policy. */
  t0?: number;
  /** mqtt.js reconnects this often after the connection is lost; queued QoS 1 readings are sent again then. */
  reconnectMs?: number;
}

export class FaultLoad {
  /** Per device, the sequence numbers the broker acknowledged. */
  readonly acked = new Map<string, Set<number>>();
  readonly t0: number;
  private readonly clients: MqttClient[] = [];
  private readonly finished: Promise<void>[] = [];
  private stopped = false;
  private waiters: { n: number; resolve: () => void }[] = [];
  private total = 0;

  private constructor(private readonly o: FaultLoadOptions) {
    this.t0 = o.t0 ?? Date.now() - 3_600_000;
  }

  /** Connects every device (each must be accepted) and starts publishing. */
  static async start(o: FaultLoadOptions): Promise<FaultLoad> {
    const load = new FaultLoad(o);
    await Promise.all(o.devices.map((d) => load.run(d)));
    return load;
  }

  private async run(d: FaultDevice): Promise<void> {
    const client = mqtt.connect(this.o.url, {
      clientId: d.id, username: d.id, password: d.secret, reconnectPeriod: this.o.reconnectMs ?? 200, connectTimeout: 5000,
    });
    // Errors (refused connections while the broker is down) are the fault under test; mqtt.js retries.
    client.on('error', () => undefined);
    this.clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const acked = new Set<number>();
    this.acked.set(d.id, acked);
    let next = 0;
    const worker = async () => {
      while (!this.stopped && next < this.o.perDevice) {
        const seq = next++;
        try {
          await client.publishAsync(topics.telemetry(d.id), JSON.stringify({ ts: this.t0 + seq, battery: seq % 100, screenOn: true }), { qos: 1 });
        } catch {
          return; // the client was ended: the reading was not acknowledged, and no more follow
        }
        acked.add(seq);
        this.total += 1;
        this.waiters = this.waiters.filter((w) => (this.total >= w.n ? (w.resolve(), false) : true));
      }
    };
    this.finished.push(Promise.all(Array.from({ length: this.o.window ?? 5 }, worker)).then(() => undefined));
  }

  get ackedTotal(): number {
    return this.total;
  }

  /** Resolves once `n` readings in all were acknowledged: the moment to inject a fault "mid-load". */
  whenAcked(n: number): Promise<void> {
    return this.total >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  /** Resolves once every device had every reading acknowledged (mqtt.js re-sends unacknowledged ones on reconnect). */
  async done(): Promise<void> {
    await Promise.all(this.finished);
  }

  /** Ends every client at once, without waiting for outstanding PUBACKs (what was not acknowledged is not counted). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.clients.map((c) => c.endAsync(true).catch(() => undefined)));
  }
}

export interface SurvivalReport {
  fault: string;
  devices: number;
  acknowledged: number;
  stored: number;
  /** Acknowledged readings InfluxDB does not have: must be 0. */
  lost: number;
  /** Devices all of whose acknowledged readings are stored. */
  whole: number;
}

/** Per device, the sequence numbers InfluxDB holds for the load's readings. */
export async function storedReadings(influx: InfluxDB, load: FaultLoad): Promise<Map<string, Set<number>>> {
  const rows = await influx.query<{ device: string; time: Date }>(
    `SELECT battery, device FROM telemetry_tablet WHERE time >= ${load.t0}ms`,
  );
  const out = new Map<string, Set<number>>();
  for (const r of rows) {
    let s = out.get(r.device);
    if (!s) out.set(r.device, (s = new Set()));
    s.add(r.time.getTime() - load.t0);
  }
  return out;
}

/**
 * Waits until InfluxDB holds at least as many readings per device as were acknowledged (the writer loop drains the
 * spool after the fault), then counts, prints one line (the issue wants the figure in the test's output) and returns
 * the figures. Waiting on counts, not on a delay: if some are really lost, the wait times out and the count says how many.
 */
export async function countSurvivors(fault: string, influx: InfluxDB, load: FaultLoad, timeoutMs = 60_000): Promise<SurvivalReport> {
  const enough = async () => {
    const stored = await storedReadings(influx, load);
    return [...load.acked].every(([id, acked]) => (stored.get(id)?.size ?? 0) >= acked.size) ? stored : null;
  };
  const stored = await waitFor(`the acknowledged readings of "${fault}" in InfluxDB`, enough, timeoutMs, 200).catch(() => storedReadings(influx, load));
  const report: SurvivalReport = { fault, devices: load.acked.size, acknowledged: 0, stored: 0, lost: 0, whole: 0 };
  for (const [id, acked] of load.acked) {
    const have = stored.get(id) ?? new Set<number>();
    const lost = [...acked].filter((seq) => !have.has(seq)).length;
    report.acknowledged += acked.size;
    report.stored += have.size;
    report.lost += lost;
    if (lost === 0) report.whole += 1;
  }
  console.log(`[fault] ${fault}: ${report.devices} devices, acknowledged ${report.acknowledged}, stored ${report.stored}, `
    + `acknowledged but lost ${report.lost}, devices whole ${report.whole}/${report.devices}`);
  return report;
}
