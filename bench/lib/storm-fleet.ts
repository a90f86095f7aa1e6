/**
 * The devices of the reconnect storm: the simulator's own links (device-sim/device-link.ts), so each reconnects as
 * a simulated device does (its own period of 5–10 s, the simulator's jitter), and on every connect announces its
 * status and attributes (retained, QoS 1) and subscribes to its commands, as real devices do.
 */
import { deviceAttributes } from '../../device-sim/hardware.js';
import { DeviceLink } from '../../device-sim/device-link.js';
import type { BenchDevice } from './fleet.js';
import { KIND } from './fleet.js';

/** The simulator's reconnect policy (device-sim/simulator.ts): 5 s plus up to 5 s of per-device jitter. */
const reconnectPeriod = (i: number) => 5000 + ((i * 7919) % 5000);

export class StormFleet {
  private readonly links: DeviceLink[] = [];
  private upCount = 0;
  /** performance.now() of each device's last link-up. */
  readonly upAt: Float64Array;
  private waiters: { cond: (connected: number) => boolean; resolve: () => void }[] = [];
  errors = 0;
  /** Link errors by kind (`connack 3`, `ECONNREFUSED`, `connack timeout` …): what a failover's retries were. */
  readonly errorKinds: Record<string, number> = {};

  /**
   * `addresses(i)`: the broker addresses device `i` tries in turn, the first at the start (then the cluster's other
   * nodes); `localAddress(i)`: the loopback address its connections come from (device-sim/device-link.ts).
   */
  constructor(readonly devices: BenchDevice[], addresses: (i: number) => readonly string[], localAddress?: (i: number) => string) {
    this.upAt = new Float64Array(devices.length);
    devices.forEach((d, i) => {
      this.links.push(new DeviceLink({
        brokerUrl: addresses(i)[0]!, fallbackUrls: addresses(i).slice(1), localAddress: localAddress?.(i), id: d.id, secret: d.secret, qos: 1, attributes: deviceAttributes(d.id, KIND), reconnectPeriodMs: reconnectPeriod(i),
        presence: () => 'online',
        on: {
          link: (up) => {
            this.upCount += up ? 1 : -1;
            if (up) this.upAt[i] = performance.now();
            this.notify();
          },
          error: (err) => {
            this.errors++;
            const kind = typeof err.code === 'number' ? `connack ${err.code}` : typeof err.code === 'string' ? err.code : err.message;
            this.errorKinds[kind] = (this.errorKinds[kind] ?? 0) + 1;
          },
          command: () => undefined,
        },
      }));
    });
  }

  get connected(): number {
    return this.upCount;
  }

  /** Opens the first `n` links, `parallel` at a time (the first connect of each pays scrypt, a provisioning step). */
  async open(n: number, parallel = 200): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < n) await this.links[next++]!.connect();
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  }

  /** Resolves when `cond(connected)` holds (checked on every link change). */
  until(cond: (connected: number) => boolean): Promise<void> {
    if (cond(this.upCount)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ cond, resolve }));
  }

  private notify(): void {
    const met = this.waiters.filter((w) => w.cond(this.upCount));
    if (met.length === 0) return;
    this.waiters = this.waiters.filter((w) => !met.includes(w));
    for (const w of met) w.resolve();
  }

  /** Drops the links from `from` on without a goodbye (they stay closed: no reconnect). */
  dropFrom(from: number): void {
    for (let i = from; i < this.links.length; i++) this.links[i]!.drop();
  }

  async close(): Promise<void> {
    const deadline = new Promise<void>((r) => setTimeout(r, 2000).unref());
    await Promise.all(this.links.map((l) => l.close(deadline)));
  }
}
