import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { KINDS, type DeviceKind } from '../protocol/index.js';
import type { SqliteRegistry } from '../registry/index.js';
import { equipmentRecord } from './hardware.js';
import type { Scenario, ScenarioRoom, ScenarioSchool } from './scenario.js';

export interface SimDevice {
  id: string;
  secret: string;
  kind: DeviceKind;
  school: ScenarioSchool;
  room: ScenarioRoom;
  /** Unique key of the room across the province, for the ground truth of its use. */
  roomKey: string;
}

export interface ProvisionOptions {
  /** Called after every device: how many are done, of how many. */
  onProgress?: (done: number, total: number) => void;
  /** Called for a device an operator has revoked: the simulator leaves it out rather than undo the revocation. */
  onRevoked?: (id: string) => void;
  /** Stops provisioning between two devices (Ctrl-C); what was done is kept and the credentials file written. */
  signal?: AbortSignal;
}

/**
 * The simulator's own record of its devices' secrets (the registry keeps only hashes). With each secret it keeps
 * the hash the registry held when the secret was issued: a different hash now means someone rotated the secret
 * elsewhere (the dashboard, `edufleet device rotate`), so the simulator needs a new one too.
 */
type Credentials = Record<string, { secret: string; hash: string | null }>;

function readCredentials(file: string): Credentials {
  if (!existsSync(file)) return {};
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string | Credentials[string]>;
  // The first format held bare secrets; their hash is unknown, so they are trusted as they are.
  return Object.fromEntries(Object.entries(raw).map(([id, v]) => [id, typeof v === 'string' ? { secret: v, hash: null } : v]));
}

function writeCredentials(file: string, creds: Credentials): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(creds), { mode: 0o600 });
  renameSync(tmp, file);
}

/** Device ids are lower-case, stable for a scenario, and valid MQTT client ids and InfluxDB tag values. */
export function simDeviceId(school: string, room: string, kind: DeviceKind, n: number): string {
  return `sim-${school}-${room}-${kind}${String(n).padStart(2, '0')}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

interface Todo { id: string; school: ScenarioSchool; room: ScenarioRoom; roomId: number; kind: DeviceKind; n: number; roomKey: string }

/** Creates the scenario's districts, schools, sites and rooms (idempotent) and lists the devices they should hold. */
function ensureHierarchy(registry: SqliteRegistry, scenario: Scenario): Todo[] {
  const todo: Todo[] = [];
  registry.db.transaction(() => {
    const districtIds = new Map(scenario.districts.map((d) => [d.code, registry.ensureDistrict(d).id]));
    for (const sc of scenario.schools) {
      const school = registry.ensureSchool({ code: sc.code, name: sc.name, level: sc.level, districtId: sc.district === null ? null : districtIds.get(sc.district)!, pupils: sc.pupils });
      // A school's own timetable goes to the registry too, so that the usage analytics measure against the same one.
      if (sc.timetable) registry.setTimetables(school.id, sc.timetable);
      sc.sites.forEach((st, si) => {
        const site = registry.ensureSite({ schoolId: school.id, name: st.name });
        for (const r of st.rooms) {
          const room = registry.ensureRoom({ siteId: site.id, code: r.code, name: r.name, type: r.type, capacity: r.capacity });
          const roomKey = `${sc.code}/${si}/${r.code}`;
          // Rooms of a second site may reuse the main site's codes (P01 …): the site number keeps device ids apart.
          const simRoom = { ...r, code: si === 0 ? r.code : `S${si}${r.code}` };
          for (const [kind, count] of Object.entries(r.devices) as [DeviceKind, number | undefined][]) {
            for (let n = 1; n <= (count ?? 0); n++) todo.push({ id: simDeviceId(sc.code, simRoom.code, kind, n), school: sc, room: simRoom, roomId: room.id, kind, n, roomKey });
          }
        }
      });
    }
  })();
  return todo;
}

/**
 * Makes the registry hold the scenario's province and devices, and returns every device with a usable secret.
 * Existing devices are reused; one the simulator holds no valid secret for gets a new one (`rotateSecret`);
 * a revoked one is left out. Secrets live in `credentialsFile` (mode 0600).
 */
export async function provision(registry: SqliteRegistry, scenario: Scenario, credentialsFile: string, o: ProvisionOptions = {}): Promise<SimDevice[]> {
  const creds = readCredentials(credentialsFile);
  const todo = ensureHierarchy(registry, scenario);
  const out: SimDevice[] = [];
  let done = 0;
  const one = async (t: Todo) => {
    const existing = registry.device(t.id);
    const known = creds[t.id];
    if (existing?.revokedAt != null) {
      o.onRevoked?.(t.id);
    } else {
      let secret = known?.secret;
      if (!existing) {
        const name = `${KINDS[t.kind].label.vi} ${String(t.n).padStart(2, '0')}`;
        secret = (await registry.addDevice({ id: t.id, kind: t.kind, roomId: t.roomId, name, ...equipmentRecord(t.id, t.kind) })).secret!;
      } else if (!known || !existing.hasSecret || (known.hash !== null && known.hash !== registry.secretHash(t.id)?.hash)) {
        secret = await registry.rotateSecret(t.id);
      }
      if (secret !== known?.secret) creds[t.id] = { secret: secret!, hash: registry.secretHash(t.id)?.hash ?? null };
      out.push({ id: t.id, secret: secret!, kind: t.kind, school: t.school, room: t.room, roomKey: t.roomKey });
    }
    o.onProgress?.(++done, todo.length);
  };
  // scrypt runs on libuv's thread pool: a few devices at a time keep it busy without queueing thousands of buffers.
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !o.signal?.aborted) await one(todo[next++]!);
  };
  try {
    await Promise.all(Array.from({ length: 16 }, worker));
  } finally {
    writeCredentials(credentialsFile, creds);
  }
  o.signal?.throwIfAborted();
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
