/**
 * The places import plan: a pure function from a Sở's list (one row per site of a school) and a snapshot of the
 * registry to the districts, schools and sites that would be created, updated or left unchanged, and the rows
 * refused with their line and a reason a user can act on.
 *
 * Districts: a row with both "Mã Phòng GDĐT" and "Phòng GDĐT" creates or renames that district; "Phòng GDĐT" alone
 * (a code or a name) must name a district that exists or that the file defines; empty = directly under the Sở.
 * A school whose district changes is moved (allowed, with a note, since Sở re-draw districts).
 */
import { cellCountProblem, isBlankRow, parseCount, type Sheet } from '../../lib/sheets/index.js';
import { foldKey } from '../../lib/vn/text.js';
import type { SchoolLevel } from '../types.js';
import { LEVEL_LABELS, PLACE_COLUMNS, mapPlaceHeader, parseLevel, type PlaceColumn } from './places-columns.js';

interface SnapSchool { id: number; name: string; level: SchoolLevel; districtId: number | null; pupils: number; retired: boolean }
export interface PlacesSnapshot {
  districts: { id: number; code: string; name: string; retired: boolean }[];
  /** By school code. */
  schools: Map<string, SnapSchool>;
  /** By school id: its sites. */
  sites: Map<number, { id: number; name: string; retired: boolean }[]>;
}

export type PlaceAction = 'create' | 'update' | 'unchanged';
export interface PlannedDistrict { line: number; action: PlaceAction; code: string; name: string; id?: number }
/** `district`: the district code, null = directly under the Sở, undefined = the file does not say (kept). */
export interface PlannedSchool {
  line: number; action: PlaceAction; code: string; name: string; level?: SchoolLevel; pupils?: number;
  district?: string | null; id?: number; changes: string[];
}
export interface PlannedSite { line: number; schoolCode: string; name: string }
export interface PlacesPlan {
  districts: PlannedDistrict[];
  schools: PlannedSchool[];
  newSites: PlannedSite[];
  refused: { line: number; code?: string; reason: string }[];
  ignoredColumns: string[];
  notes: string[];
  counts: { create: number; update: number; unchanged: number; refused: number; newSites: number };
}

/** The site a new school gets when its row names none. */
export const MAIN_SITE = 'Điểm chính';

type Get = (c: PlaceColumn) => string;
const col = (c: PlaceColumn) => `column ${PLACE_COLUMNS[c].label}`;

/** One school as its first accepted row says, to compare its other rows (sites) with. */
interface SeenSchool { line: number; fields: Record<string, string>; sites: Map<string, number> }

class PlacesPlanner {
  readonly plan: PlacesPlan = { districts: [], schools: [], newSites: [], refused: [], ignoredColumns: [], notes: [], counts: { create: 0, update: 0, unchanged: 0, refused: 0, newSites: 0 } };
  private readonly fileDistricts = new Map<string, PlannedDistrict>();
  private readonly seen = new Map<string, SeenSchool>();
  private readonly districtById: Map<number, PlacesSnapshot['districts'][number]>;

  constructor(private readonly snap: PlacesSnapshot, private readonly hasDistrictColumn: boolean) {
    this.districtById = new Map(snap.districts.map((d) => [d.id, d]));
  }

  /** The district a row names: a code (null = under the Sở, undefined = not said), or a reason to refuse. */
  private district(get: Get): { code?: string | null; define?: { code: string; name: string }; error?: string } {
    const code = get('districtCode'), named = get('district');
    if (!this.hasDistrictColumn) return {};
    if (code && named) {
      const earlier = this.fileDistricts.get(code);
      if (earlier && earlier.name !== named) return { error: `district code '${code}' is named '${earlier.name}' on line ${earlier.line} and '${named}' here (${col('district')})` };
      const known = this.snap.districts.find((d) => d.code === code);
      if (known?.retired) return { error: `district '${code}' is retired; bring it back on the tree page first (${col('districtCode')})` };
      return { code, define: { code, name: named } };
    }
    if (!code && !named) return { code: null };
    const ref = code || named;
    const byCode = this.fileDistricts.get(ref) ?? this.snap.districts.find((d) => d.code === ref);
    const key = foldKey(ref);
    const byName = code ? [] : [...new Map([...this.snap.districts, ...this.fileDistricts.values()].filter((d) => foldKey(d.name) === key).map((d) => [d.code, d])).values()];
    const found = byCode ?? (byName.length === 1 ? byName[0] : undefined);
    if (byName.length > 1 && !byCode) return { error: `district name '${ref}' is shared by codes ${byName.map((d) => d.code).join(', ')}; give the code in ${col('districtCode')}` };
    if (!found) {
      return { error: code
        ? `unknown district code '${code}' (${col('districtCode')}); give its name in ${col('district')} to create it`
        : `unknown district '${named}' (${col('district')}); use the code or name of an existing district, or give a new district's code in ${col('districtCode')} to create it` };
    }
    if ('retired' in found && found.retired) return { error: `district '${found.name}' is retired; bring it back on the tree page first (${col('district')})` };
    return { code: found.code };
  }

  /** Level and pupil count, checked; level is needed only for a new school (an existing one keeps its own). */
  private values(get: Get, isNew: boolean, errors: string[]): { level?: SchoolLevel; pupils?: number } {
    const out: { level?: SchoolLevel; pupils?: number } = {};
    const lv = get('level');
    if (lv) {
      const p = parseLevel(lv);
      if (p.ok) out.level = p.value; else errors.push(`unknown level '${lv}' (${col('level')}); ${p.reason}`);
    } else if (isNew) errors.push(`missing level of a new school (${col('level')}); one of ${Object.values(LEVEL_LABELS).join(', ')}`);
    const pp = get('pupils');
    if (pp) {
      const p = parseCount(pp);
      if (p.ok) out.pupils = p.value; else errors.push(`pupil count '${pp}' ${p.reason} (${col('pupils')})`);
    }
    return out;
  }

  row(line: number, get: Get, shape: string | undefined): void {
    const code = get('code'), name = get('name');
    const refuse = (reason: string) => { this.plan.refused.push({ line, ...(code ? { code } : {}), reason: `line ${line}: ${reason}` }); };
    if (shape) return refuse(shape);
    const d = this.district(get);
    if (!code && !name && d.define && !d.error) return this.defineDistrict(line, d.define);
    const errors: string[] = [];
    if (!code) errors.push(`missing school code (${col('code')})`);
    if (!name) errors.push(`missing school name (${col('name')})`);
    if (d.error) errors.push(d.error);
    const existing = code ? this.snap.schools.get(code) : undefined;
    if (existing?.retired) errors.push(`school '${code}' is retired; bring it back on the tree page first (${col('code')})`);
    const v = this.values(get, !existing, errors);
    if (errors.length) return refuse(errors.join('; '));
    const siteName = get('site') || (existing ? '' : MAIN_SITE);
    const fields = { name, level: v.level ?? '', pupils: v.pupils === undefined ? '' : String(v.pupils), district: d.code === undefined ? '-' : d.code ?? '' };
    const seen = this.seen.get(code);
    if (seen) {
      const problem = this.repeatProblem(code, seen, fields, siteName, line);
      if (problem) return refuse(problem);
    } else {
      this.seen.set(code, { line, fields, sites: new Map() });
      this.school(line, code, name, v, d.code, existing);
    }
    if (d.define) this.defineDistrict(line, d.define);
    if (siteName) this.site(line, code, siteName, existing?.id, refuse);
  }

  /** Why another row of a school already seen is refused: the same site again, or values that disagree. */
  private repeatProblem(code: string, seen: SeenSchool, fields: Record<string, string>, site: string, line: number): string | undefined {
    const siteLine = seen.sites.get(foldKey(site));
    if (siteLine !== undefined || !site) {
      return `duplicate school code '${code}' (${col('code')}) on lines ${siteLine ?? seen.line} and ${line}: ` +
        (site ? `both name site '${site}'; one row per site` : `a further row of a school must name another site (${col('site')})`);
    }
    const label: Record<string, PlaceColumn> = { name: 'name', level: 'level', pupils: 'pupils', district: 'district' };
    for (const k of Object.keys(fields)) {
      if (fields[k] !== seen.fields[k]) {
        return `school code '${code}' appears on lines ${seen.line} and ${line} with a different ${PLACE_COLUMNS[label[k]!].label}; rows of one school (one per site) must agree`;
      }
    }
    return undefined;
  }

  private defineDistrict(line: number, d: { code: string; name: string }): void {
    if (this.fileDistricts.has(d.code)) return;
    const known = this.snap.districts.find((x) => x.code === d.code);
    const action: PlaceAction = !known ? 'create' : known.name === d.name ? 'unchanged' : 'update';
    const planned: PlannedDistrict = { line, action, code: d.code, name: d.name, ...(known ? { id: known.id } : {}) };
    this.fileDistricts.set(d.code, planned);
    this.plan.districts.push(planned);
  }

  private school(line: number, code: string, name: string, v: { level?: SchoolLevel; pupils?: number }, district: string | null | undefined, existing: SnapSchool | undefined): void {
    const s: PlannedSchool = { line, action: 'create', code, name, changes: [], ...v, ...(district !== undefined ? { district } : {}) };
    if (existing) {
      s.id = existing.id;
      const oldDistrict = existing.districtId === null ? null : this.districtById.get(existing.districtId)?.code ?? null;
      if (name !== existing.name) s.changes.push('name');
      if (v.level && v.level !== existing.level) s.changes.push('level');
      if (v.pupils !== undefined && v.pupils !== existing.pupils) s.changes.push('pupils');
      if (district !== undefined && district !== oldDistrict) {
        s.changes.push('district');
        const where = (c: string | null) => (c === null ? 'directly under the Sở' : `district ${c}`);
        this.plan.notes.push(`line ${line}: school '${code}' moves from ${where(oldDistrict)} to ${where(district)}; its devices' next readings carry the new district`);
      }
      s.action = s.changes.length ? 'update' : 'unchanged';
    }
    this.plan.schools.push(s);
  }

  private site(line: number, schoolCode: string, name: string, schoolId: number | undefined, refuse: (r: string) => void): void {
    const key = foldKey(name);
    this.seen.get(schoolCode)!.sites.set(key, line);
    const known = schoolId === undefined ? undefined : this.snap.sites.get(schoolId)?.find((t) => foldKey(t.name) === key);
    if (known?.retired) return refuse(`site '${known.name}' of school '${schoolCode}' is retired; bring it back on the tree page first (${col('site')})`);
    if (!known) this.plan.newSites.push({ line, schoolCode, name });
  }

  finish(): PlacesPlan {
    const p = this.plan;
    for (const x of [...p.districts, ...p.schools]) p.counts[x.action]++;
    p.counts.refused = p.refused.length;
    p.counts.newSites = p.newSites.length;
    return p;
  }
}

/** Builds the plan. `onProgress` is called with the number of rows looked at. */
export function planPlaces(sheet: Sheet, snap: PlacesSnapshot, onProgress?: (done: number, total: number) => void): PlacesPlan {
  const { index, ignored } = mapPlaceHeader(sheet.header);
  const planner = new PlacesPlanner(snap, index.has('district') || index.has('districtCode'));
  planner.plan.ignoredColumns = ignored;
  sheet.rows.forEach((row, i) => {
    if (i % 100 === 0) onProgress?.(i, sheet.rows.length);
    if (isBlankRow(row)) return;
    const get: Get = (c) => {
      const at = index.get(c);
      return at === undefined ? '' : (row.cells[at] ?? '').trim();
    };
    planner.row(row.line, get, cellCountProblem(sheet, row));
  });
  onProgress?.(sheet.rows.length, sheet.rows.length);
  return planner.finish();
}
