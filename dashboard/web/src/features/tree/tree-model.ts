import type { TreeResponse } from '../../../../../api/index.js';

/** The flat tree answer, nested for display, and the selection kept in the URL (?district= | ?school= | ?site= | ?room=). */
export type Level = 'district' | 'school' | 'site' | 'room';
export const LEVELS: readonly Level[] = ['district', 'school', 'site', 'room'];
export interface Selection { level: Level; id: number }

export type District = TreeResponse['districts'][number];
export type School = TreeResponse['schools'][number];
export type Site = TreeResponse['sites'][number];
export type Room = TreeResponse['rooms'][number];

export function readSelection(search: URLSearchParams): Selection | null {
  for (const level of LEVELS) {
    const id = Number(search.get(level));
    if (Number.isInteger(id) && id > 0) return { level, id };
  }
  return null;
}

export function treeUrl(sel: Selection | null, showRetired: boolean): string {
  const q = new URLSearchParams();
  if (sel) q.set(sel.level, String(sel.id));
  if (showRetired) q.set('retired', '1');
  const s = q.toString();
  return '/tree' + (s ? `?${s}` : '');
}

export const nodeKey = (level: Level | 'direct', id: number | null): string => `${level}:${id ?? ''}`;

/** Lookups by id and children by parent, built once per answer. */
export class TreeIndex {
  readonly districts = new Map<number, District>();
  readonly schools = new Map<number, School>();
  readonly sites = new Map<number, Site>();
  readonly rooms = new Map<number, Room>();
  /** Schools by district id; `null` holds the schools directly under the Sở. */
  readonly schoolsOf = new Map<number | null, School[]>();
  readonly sitesOf = new Map<number, Site[]>();
  readonly roomsOf = new Map<number, Room[]>();

  constructor(readonly tree: TreeResponse) {
    const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => void (m.get(k) ?? m.set(k, []).get(k)!).push(v);
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, 'vi');
    for (const d of [...tree.districts].sort(byName)) this.districts.set(d.id, d);
    for (const s of [...tree.schools].sort(byName)) {
      this.schools.set(s.id, s);
      // A school whose district is not visible to this user still shows, under the Sở node.
      push(this.schoolsOf, s.districtId !== null && tree.districts.some((d) => d.id === s.districtId) ? s.districtId : null, s);
    }
    for (const s of [...tree.sites].sort(byName)) {
      this.sites.set(s.id, s);
      push(this.sitesOf, s.schoolId, s);
    }
    for (const r of [...tree.rooms].sort((a, b) => a.code.localeCompare(b.code, 'vi', { numeric: true }))) {
      this.rooms.set(r.id, r);
      push(this.roomsOf, r.siteId, r);
    }
  }

  exists(sel: Selection): boolean {
    return ({ district: this.districts, school: this.schools, site: this.sites, room: this.rooms }[sel.level] as Map<number, unknown>).has(sel.id);
  }

  /** The keys of the nodes to open so that `sel` is visible. */
  ancestors(sel: Selection): string[] {
    const keys: string[] = [];
    let schoolId: number | undefined;
    if (sel.level === 'room') {
      const r = this.rooms.get(sel.id);
      if (r) keys.push(nodeKey('site', r.siteId));
      schoolId = r?.schoolId;
    } else if (sel.level === 'site') schoolId = this.sites.get(sel.id)?.schoolId;
    else if (sel.level === 'school') schoolId = sel.id;
    if (schoolId !== undefined && sel.level !== 'school') keys.push(nodeKey('school', schoolId));
    const school = schoolId !== undefined ? this.schools.get(schoolId) : undefined;
    if (school) keys.push(school.districtId !== null && this.districts.has(school.districtId) ? nodeKey('district', school.districtId) : nodeKey('direct', null));
    return keys;
  }

  devicesOfSchool(schoolId: number): number {
    return this.tree.rooms.filter((r) => r.schoolId === schoolId && !r.retired).reduce((n, r) => n + r.devices, 0);
  }
}
