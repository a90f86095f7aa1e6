import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { KINDS, type DeviceKind } from '../protocol/index.js';
import type { SqliteRegistry } from '../registry/index.js';
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

const MODELS: Record<DeviceKind, { manufacturer: string; model: string }> = {
  board: { manufacturer: 'Samsung', model: 'WM85B' },
  tablet: { manufacturer: 'Samsung', model: 'Galaxy Tab A9+' },
  vr: { manufacturer: 'Meta', model: 'Quest 3' },
  sensor: { manufacturer: 'Milesight', model: 'AM319' },
};

/** Device ids are lower-case, stable for a scenario, and valid MQTT client ids and InfluxDB tag values. */
export function simDeviceId(school: string, room: string, kind: DeviceKind, n: number): string {
  return `sim-${school}-${room}-${kind}${String(n).padStart(2, '0')}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

/**
 * Makes the registry hold the scenario's province and devices, and returns every device with a usable secret.
 * Secrets are stored only hashed, so the simulator keeps its own in `credentialsFile` (mode 0600); a device the
 * simulator has no secret for gets a new one.
 */
export async function provision(registry: SqliteRegistry, scenario: Scenario, credentialsFile: string, onProgress?: (done: number, total: number) => void): Promise<SimDevice[]> {
  const creds: Record<string, string> = existsSync(credentialsFile) ? JSON.parse(readFileSync(credentialsFile, 'utf8')) as Record<string, string> : {};
  const districtIds = new Map(scenario.districts.map((d) => [d.code, registry.ensureDistrict(d).id]));
  const todo: { school: ScenarioSchool; room: ScenarioRoom; roomId: number; kind: DeviceKind; n: number; roomKey: string }[] = [];
  registry.db.transaction(() => {
    for (const sc of scenario.schools) {
      const school = registry.ensureSchool({ code: sc.code, name: sc.name, level: sc.level, districtId: sc.district === null ? null : districtIds.get(sc.district)!, pupils: sc.pupils });
      sc.sites.forEach((st, si) => {
        const site = registry.ensureSite({ schoolId: school.id, name: st.name });
        for (const r of st.rooms) {
          const room = registry.ensureRoom({ siteId: site.id, code: r.code, name: r.name, type: r.type, capacity: r.capacity });
          const roomKey = `${sc.code}/${si}/${r.code}`;
          for (const [kind, count] of Object.entries(r.devices) as [DeviceKind, number | undefined][]) {
            for (let n = 1; n <= (count ?? 0); n++) todo.push({ school: sc, room: { ...r, code: si === 0 ? r.code : `S${si}${r.code}` }, roomId: room.id, kind, n, roomKey });
          }
        }
      });
    }
  })();

  const out: SimDevice[] = [];
  let done = 0;
  const one = async (t: (typeof todo)[number]) => {
    const id = simDeviceId(t.school.code, t.room.code, t.kind, t.n);
    const existing = registry.device(id);
    let secret = creds[id];
    if (!existing) {
      const m = MODELS[t.kind];
      secret = (await registry.addDevice({ id, kind: t.kind, roomId: t.roomId, name: `${KINDS[t.kind].label.vi} ${String(t.n).padStart(2, '0')}`, ...m, serial: `SIM${id.length}${done}` })).secret!;
    } else if (!secret || existing.revokedAt !== null || !existing.hasSecret) {
      secret = await registry.rotateSecret(id);
    }
    creds[id] = secret;
    out.push({ id, secret, kind: t.kind, school: t.school, room: t.room, roomKey: t.roomKey });
    done += 1;
    if (done % 200 === 0 || done === todo.length) onProgress?.(done, todo.length);
  };
  // scrypt runs on libuv's thread pool: a few at a time keep it busy without queueing thousands of buffers.
  for (let i = 0; i < todo.length; i += 16) await Promise.all(todo.slice(i, i + 16).map(one));
  writeFileSync(credentialsFile, JSON.stringify(creds), { mode: 0o600 });
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
