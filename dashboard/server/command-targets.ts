/** How command targets read to people: one wording for runs and schedules. */
import { KINDS, type DeviceKind } from '../../protocol/index.js';
import type { CommandTarget, RegistryStore } from '../../registry/index.js';

/** Readable names of targets, e.g. "Phòng 10A1 · Trường THPT Chuyên Lào Cai", "Bảng tương tác · Trường …". */
export async function targetLabeller(reg: RegistryStore): Promise<(t: CommandTarget) => string> {
  const tree = await reg.places.tree(undefined, true);
  const districts = new Map(tree.districts.map((d) => [d.id, d.name]));
  const schools = new Map(tree.schools.map((s) => [s.id, s.name]));
  const sites = new Map(tree.sites.map((s) => [s.id, s]));
  const rooms = new Map(tree.rooms.map((r) => [r.id, r]));
  return (t) => {
    const id = Number(t.id);
    const room = t.type === 'room' ? rooms.get(id) : undefined;
    const site = t.type === 'site' ? sites.get(id) : undefined;
    const place = t.type === 'kind' ? 'mọi trường trong phạm vi'
      : t.type === 'district' ? districts.get(id)
        : t.type === 'school' ? schools.get(id)
          : room ? `${room.name} · ${schools.get(room.schoolId) ?? ''}`
            : site ? `${site.name} · ${schools.get(site.schoolId) ?? ''}` : undefined;
    const kind = t.type === 'kind' ? (t.id as DeviceKind) : t.kind;
    const label = place ?? `${t.type} ${t.id}`;
    return kind && KINDS[kind] ? `${KINDS[kind].label.vi} · ${label}` : label;
  };
}

