import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { KINDS, type DeviceKind } from '../protocol/index.js';
import type { RegistryStore } from '../registry/index.js';
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
  /** The room's id in the registry (`edufleet room list`), so that `sim fault` can aim at a room by it. */
  roomId: number;
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

/** Creates the scenario's districts, schools, sites and rooms (idempotent, one transaction) and lists the devices they should hold. */
async function ensureHierarchy(registry: RegistryStore, scenario: Scenario): Promise<Todo[]> {
  // A school's own timetable goes to the registry too, so that the usage analytics measure against the same one.
  const ids = await registry.ensurePlaces({
    districts: scenario.districts.map((d) => ({ code: d.code, name: d.name })),
    schools: scenario.schools.map((sc) => ({
      code: sc.code, name: sc.name, level: sc.level, district: sc.district, pupils: sc.pupils, timetable: sc.timetable,
      sites: sc.sites.map((st) => ({ name: st.name, rooms: st.rooms.map((r) => ({ code: r.code, name: r.name, type: r.type, capacity: r.capacity })) })),
    })),
  });
  const todo: Todo[] = [];
  scenario.schools.forEach((sc, i) => sc.sites.forEach((st, si) => st.rooms.forEach((r, ri) => {
    const roomId = ids.schools[i]!.sites[si]!.rooms[ri]!;
    const roomKey = `${sc.code}/${si}/${r.code}`;
    // Rooms of a second site may reuse the main site's codes (P01 …): the site number keeps device ids apart.
    const simRoom = { ...r, code: si === 0 ? r.code : `S${si}${r.code}` };
    for (const [kind, count] of Object.entries(r.devices) as [DeviceKind, number | undefined][]) {
      for (let n = 1; n <= (count ?? 0); n++) todo.push({ id: simDeviceId(sc.code, simRoom.code, kind, n), school: sc, room: simRoom, roomId, kind, n, roomKey });
    }
  })));
  return todo;
}

/**
 * What the credentials file keeps of a hash: its tail, the fingerprint the registry's placements carry
 * (DevicePlacement.credential), so one read of the placements tells every rotated secret. Files written before
 * hold whole hashes, whose tail is the same fingerprint.
 */
const fingerprint = (hash: string) => hash.slice(-12);

/** Devices added per transaction: progress and Ctrl-C between two batches, a province still in a few. */
const ADD_BATCH = 500;

const simDevice = (t: Todo, secret: string): SimDevice => ({ id: t.id, secret, kind: t.kind, school: t.school, room: t.room, roomKey: t.roomKey, roomId: t.roomId });

/**
 * Makes the registry hold the scenario's province and devices, and returns every device with a usable secret.
 * Existing devices are reused; one the simulator holds no valid secret for gets a new one (`rotateSecret`);
 * a revoked one is left out. Secrets live in `credentialsFile` (mode 0600).
 */
export async function provision(registry: RegistryStore, scenario: Scenario, credentialsFile: string, o: ProvisionOptions = {}): Promise<SimDevice[]> {
  const creds = readCredentials(credentialsFile);
  const todo = await ensureHierarchy(registry, scenario);
  // One read of every device's placement, not one query per device: a province holds 20,000.
  let { rev, placements } = await registry.placementsSince(0);
  const current = new Map(placements.map((p) => [p.id, p]));
  const refresh = async () => {
    ({ rev, placements } = await registry.placementsSince(rev));
    for (const p of placements) current.set(p.id, p);
  };
  const out: SimDevice[] = [];
  const toAdd: Todo[] = [];
  const toRotate: Todo[] = [];
  let done = 0;
  const progress = (n: number) => { done += n; o.onProgress?.(done, todo.length); };
  for (const t of todo) {
    const p = current.get(t.id);
    const known = creds[t.id];
    if (!p) toAdd.push(t);
    else if (p.revoked) { o.onRevoked?.(t.id); progress(1); }
    else if (!known || p.credential === null || (known.hash !== null && fingerprint(known.hash) !== p.credential)) toRotate.push(t);
    else { out.push(simDevice(t, known.secret)); progress(1); }
  }
  const issued = (t: Todo, secret: string) => {
    creds[t.id] = { secret, hash: current.get(t.id)?.credential ?? null };
    out.push(simDevice(t, secret));
  };
  try {
    for (let i = 0; i < toAdd.length && !o.signal?.aborted; i += ADD_BATCH) {
      const batch = toAdd.slice(i, i + ADD_BATCH);
      const added = await registry.addDevices(batch.map((t) => ({
        id: t.id, kind: t.kind, roomId: t.roomId, name: `${KINDS[t.kind].label.vi} ${String(t.n).padStart(2, '0')}`, ...equipmentRecord(t.id, t.kind),
      })));
      await refresh();
      batch.forEach((t, j) => issued(t, added[j]!.secret!));
      progress(batch.length);
    }
    // scrypt runs on libuv's thread pool: a few rotations at a time keep it busy without queueing thousands.
    let next = 0;
    const rotated: [Todo, string][] = [];
    const worker = async () => {
      while (next < toRotate.length && !o.signal?.aborted) {
        const t = toRotate[next++]!;
        rotated.push([t, await registry.rotateSecret(t.id)]);
        progress(1);
      }
    };
    try {
      await Promise.all(Array.from({ length: 16 }, worker));
    } finally {
      if (rotated.length) await refresh();
      for (const [t, secret] of rotated) issued(t, secret);
    }
  } finally {
    writeCredentials(credentialsFile, creds);
  }
  o.signal?.throwIfAborted();
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
