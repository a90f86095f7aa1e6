import type { MqttClient } from 'mqtt';
import { topics } from '../../protocol/index.js';
import type { BenchDevice } from './fleet.js';
import { readingFields } from './fleet.js';

/**
 * A steady `ratePerS` readings per second in total, spread round-robin over the devices (each one publishes every
 * devices/rate seconds, as a real fleet's periodic reports do), QoS 1 without waiting for the PUBACKs. The schedule
 * follows the wall clock, so a slow timer catches up instead of lowering the rate.
 */
export class SteadyLoad {
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private next = 0;
  sent = 0;
  acked = 0;
  failed = 0;

  constructor(private readonly clients: MqttClient[], private readonly devices: BenchDevice[], private readonly ratePerS: number) {}

  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.pump(), 10);
  }

  private pump(): void {
    const due = Math.floor(((performance.now() - this.startedAt) / 1000) * this.ratePerS) - this.sent;
    for (let k = 0; k < due; k++) {
      const i = this.next;
      this.next = (this.next + 1) % this.clients.length;
      const seq = this.sent++;
      const payload = JSON.stringify({ ts: Date.now(), ...readingFields(seq) });
      this.clients[i]!.publish(topics.telemetry(this.devices[i]!.id), payload, { qos: 1 }, (err) => {
        if (err) this.failed++;
        else this.acked++;
      });
    }
  }

  /** Readings sent per second since the start: the achieved rate, to print beside the target. */
  achievedPerS(): number {
    return this.sent / Math.max(1e-9, (performance.now() - this.startedAt) / 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
