/**
 * A token bucket per device for PUBLISH (mqtt.publishRatePerSec, mqtt.publishBurst). A device over its rate is
 * throttled, not cut off: authorizePublish waits for its token, aedes reads no more of that socket meanwhile, and TCP
 * back-pressure slows the device down. Nothing is dropped, and other devices are never slowed. The offender is told
 * to the technicians (the `flooding` health reason) at most once a second.
 */
import type { Clock } from '../lib/clock.js';
import type { Metrics } from '../lib/metrics.js';

/** Told when a device is throttled: the rate its messages arrived at (per second). */
export type FloodSink = (deviceId: string, ratePerSec: number) => void;

const WINDOW_MS = 1000;

interface Entry {
  tokens: number;
  at: number;
  /** Arrivals in the current one-second window, and the highest rate of a window while throttled. */
  windowStart: number;
  windowCount: number;
  peak: number;
  toldAt: number;
}

export class PublishRate {
  private readonly devices = new Map<string, Entry>();

  constructor(private readonly o: { ratePerSec: number; burst: number; clock: Clock; metrics: Metrics; flood?: FloodSink | undefined }) {}

  get enabled(): boolean {
    return this.o.ratePerSec > 0;
  }

  /** Takes a token for one PUBLISH of the device: how long (ms) the message must wait for it (0: none). */
  delay(deviceId: string): number {
    const { ratePerSec: rate, burst, clock } = this.o;
    if (!rate) return 0;
    const now = clock.now();
    let e = this.devices.get(deviceId);
    if (!e) this.devices.set(deviceId, (e = { tokens: burst, at: now, windowStart: now, windowCount: 0, peak: 0, toldAt: -Infinity }));
    e.tokens = Math.min(burst, e.tokens + (Math.max(0, now - e.at) / 1000) * rate) - 1;
    e.at = now;
    if (now - e.windowStart >= WINDOW_MS) {
      e.windowStart = now;
      e.windowCount = 0;
    }
    e.windowCount++;
    if (e.tokens >= 0) {
      // Back under its rate for a full burst: the next flood is measured afresh.
      if (e.tokens >= burst - 1) e.peak = 0;
      return 0;
    }
    this.o.metrics.mqttThrottled.inc();
    e.peak = Math.max(e.peak, e.windowCount);
    if (now - e.toldAt >= WINDOW_MS) {
      e.toldAt = now;
      this.o.flood?.(deviceId, e.peak);
    }
    return Math.ceil((-e.tokens / rate) * 1000);
  }

  /**
   * Forgets devices whose bucket has refilled (a full bucket is the same as none). Not on disconnect: a flooding
   * device would get a fresh burst by reconnecting.
   */
  sweep(): void {
    const { ratePerSec: rate, burst, clock } = this.o;
    const now = clock.now();
    for (const [id, e] of this.devices) if (e.tokens + ((now - e.at) / 1000) * rate >= burst) this.devices.delete(id);
  }
}
