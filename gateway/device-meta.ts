/**
 * Readable names for Grafana without touching a device's series (issue 22, point 4): the device's points keep their
 * id tags (docs/data-model.md), and a small `device_meta` measurement says where each device sits, by the same ids,
 * with the district's, school's and room's codes and names. Grafana's template variables read the names from its
 * tags (`SHOW TAG VALUES … WITH KEY = "school_name"`) and map them to the ids its panels filter on; a renamed school
 * adds `device_meta` series, never telemetry ones.
 *
 * Written through the gateway's spool, as readings are: every device at start and at the first refresh of each local
 * day, stamped with that day's midnight in Vietnam (so several nodes, or a restart, write the same point again
 * instead of a new one), and, every `gateway.deviceMetaRefreshMs`, a device whose place or names changed since,
 * stamped with the time the pass saw it. In a cluster, only the holder of the lease "job:device-meta" writes; a node
 * that takes the lease over writes every device again (same midnight stamp: the same points).
 */
import type { Clock } from '../lib/clock.js';
import { Health, type Component, type ComponentHealth } from '../lib/component.js';
import { RAW_MEASUREMENTS } from '../lib/influx/index.js';
import type { Logger } from '../lib/logger.js';
import { vnDay } from '../lib/vn/time.js';
import type { DeviceDirectory, DevicePlacement, JobLease, RegistryStore } from '../registry/index.js';
import { placementTags } from './enrich.js';
import { toLine } from './line-protocol.js';

/** Lines per append to the spool. */
const STORE_SLICE = 5000;

/** What a district "so" (a school under the Sở directly, gateway/enrich.ts) is called on a Grafana screen. */
export const SO_DISTRICT = { code: 'SO', name: 'Trực thuộc Sở' } as const;

export interface DeviceMetaOptions {
  directory: Pick<DeviceDirectory, 'all'>;
  /** Only the place tree is read (codes and names of every place, retired ones too). */
  registry: Pick<RegistryStore, 'places'>;
  /** Stores lines durably on their way to InfluxDB (Gateway.store). */
  store: (lines: string[]) => Promise<void>;
  clock: Clock;
  log: Logger;
  refreshMs: number;
  /**
   * One process of a cluster writes the points ("job:device-meta"): every node has the whole province's directory,
   * and N nodes writing 60,000 identical points each would cost N times the spool, InfluxDB and memory for nothing.
   */
  lease?: JobLease;
}

interface Names { code: string; name: string }
interface PlaceNames { districts: Map<number, Names>; schools: Map<number, Names>; sites: Map<number, string>; rooms: Map<number, Names> }

/** Local midnight in Vietnam (UTC+7, no daylight saving) of the day of `ms`. */
export const vnMidnight = (ms: number): number => Date.parse(`${vnDay(ms)}T00:00:00Z`) - 7 * 3_600_000;

/** The `device_meta` point of a device, without its time; undefined when its room is not in the tree (yet). */
export function metaPoint(p: DevicePlacement, n: PlaceNames): { t: Record<string, string>; f: Record<string, string> } | undefined {
  const room = n.rooms.get(p.roomId);
  const school = n.schools.get(p.schoolId);
  const district = p.districtId === null ? SO_DISTRICT : n.districts.get(p.districtId);
  if (!room || !school || !district) return undefined;
  return {
    t: { ...placementTags(p), district_name: district.name, school_name: school.name, room_name: room.name },
    f: { district_code: district.code, school_code: school.code, room_code: room.code, site_name: n.sites.get(p.siteId) ?? '', name: p.name },
  };
}

export class DeviceMeta implements Component {
  readonly name = 'device-meta';
  private readonly state: Health;
  /**
   * A hash of what was last written per device (its line without the time): only a change is written again within a
   * day. A hash, not the line: 60,000 lines with Vietnamese names are tens of MB on a node that holds nothing else.
   * A collision hides a change until the next day's full write (one in 2^32 per change).
   */
  private readonly written = new Map<string, number>();
  /** The local midnight of the last full write. */
  private day = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly o: DeviceMetaOptions) {
    this.state = new Health(this.name, o.log);
  }

  health(): ComponentHealth {
    const h = { ...this.state.snapshot(), details: { devices: this.written.size } };
    return this.o.lease ? this.o.lease.annotate(h) : h;
  }

  async start(): Promise<void> {
    this.state.started();
    // Moves and renames alike are found by comparing each pass's lines with the last written: a rename changes no
    // device's revision, so the directory alone would not see it. One query of the place tree per pass.
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.o.refreshMs);
    // Taking over from a holder that died: the full write at once, not at the next refresh.
    this.o.lease?.keep(this.state, () => this.refresh());
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.o.lease?.stop();
    this.state.stopped();
  }

  /** One pass (never two at once); a registry or spool failure is shown on /healthz and retried by the next one. */
  refresh(): Promise<void> {
    this.running ??= this.pass().then(() => this.state.ok(), (err: unknown) => this.state.fail(err, 'device_meta write'))
      .finally(() => { this.running = undefined; });
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.o.lease && !(await this.o.lease.hold())) {
      // Another process writes them; if this one takes over later, it writes every device again.
      this.written.clear();
      this.day = 0;
      return;
    }
    const now = this.o.clock.now();
    const midnight = vnMidnight(now);
    const all = midnight !== this.day;
    const names = await this.names();
    let lines: string[] = [];
    let hashes: [string, number][] = [];
    // In slices, each remembered once stored: a province's every device at once would be one append of megabytes.
    const flush = async () => {
      if (lines.length > 0) await this.o.store(lines);
      for (const [id, h] of hashes) this.written.set(id, h);
      lines = [];
      hashes = [];
    };
    for (const p of this.o.directory.all()) {
      const point = metaPoint(p, names);
      if (!point) continue;
      const h = fnv1a(toLine({ m: RAW_MEASUREMENTS.deviceMeta, ...point, ts: 0 }));
      if (all) lines.push(toLine({ m: RAW_MEASUREMENTS.deviceMeta, ...point, ts: midnight }));
      else if (this.written.get(p.id) !== h) lines.push(toLine({ m: RAW_MEASUREMENTS.deviceMeta, ...point, ts: now }));
      hashes.push([p.id, h]);
      if (hashes.length >= STORE_SLICE) await flush();
    }
    await flush();
    this.day = midnight;
  }

  private async names(): Promise<PlaceNames> {
    const tree = await this.o.registry.places.tree(undefined, true);
    return {
      districts: new Map(tree.districts.map((d) => [d.id, { code: d.code, name: d.name }])),
      schools: new Map(tree.schools.map((s) => [s.id, { code: s.code, name: s.name }])),
      sites: new Map(tree.sites.map((t) => [t.id, t.name])),
      rooms: new Map(tree.rooms.map((r) => [r.id, { code: r.code, name: r.name }])),
    };
  }
}

/** FNV-1a, 32 bits, over the UTF-16 code units: enough to tell a changed line from the one written before. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
