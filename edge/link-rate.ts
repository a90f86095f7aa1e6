/**
 * The edge account's rate at the province, sized by its site: an edge speaks for all its site's devices, so it may send
 * what they could send if each were connected directly (mqtt.publishRatePerSec and mqtt.publishBurst per device),
 * counted in records. Beyond it, its messages wait before they are applied (and so before their PUBACK), as a
 * device's do (broker/publish-rate.ts): throttled, never dropped. A site of 120 devices at the default 20 a second may
 * send 2,400 records a second, above the edge's own default bound for a backlog (edge.backlogRatePerSec, 2,000).
 */
export interface SiteRateOptions {
  /** Per device: records a second, and how many at once (0: no limit). */
  ratePerSec: number;
  burst: number;
  /** The devices of a site (the province's directory), recounted at most once a minute. */
  siteDevices: (siteId: number) => number;
  now: () => number;
}

const RECOUNT_MS = 60_000;

export class SiteRate {
  private readonly buckets = new Map<string, { tokens: number; at: number; devices: number; countedAt: number }>();
  constructor(private readonly o: SiteRateOptions) {}

  /** How long (ms) `records` of the edge must wait; takes their tokens now. */
  delay(edgeId: string, siteId: number, records: number): number {
    if (this.o.ratePerSec <= 0 || records <= 0) return 0;
    const now = this.o.now();
    let b = this.buckets.get(edgeId);
    if (!b || now - b.countedAt > RECOUNT_MS) {
      const devices = Math.max(1, this.o.siteDevices(siteId));
      b = b ? { ...b, devices, countedAt: now } : { tokens: devices * this.o.burst, at: now, devices, countedAt: now };
      this.buckets.set(edgeId, b);
    }
    const rate = b.devices * this.o.ratePerSec;
    b.tokens = Math.min(b.devices * this.o.burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    b.tokens -= records;
    return b.tokens >= 0 ? 0 : Math.ceil((-b.tokens / rate) * 1000);
  }
}
