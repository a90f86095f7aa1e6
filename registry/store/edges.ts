/**
 * Edge nodes at the province (docs/architecture.md, "Edge nodes (issue 21)"): each edge of a site with its public keys,
 * when it was last heard from and what it last reported; and per edge and device the last q applied (edge_cursors),
 * which is what makes an edge's records applied once however often they arrive. Adding and revoking an edge, and
 * every applied batch, are audited.
 */
import { sql } from 'kysely';
import type { Ctx } from './context.js';
import { changed, conflictOr, inScope, inTx, invalid, notFound, num } from './context.js';
import type { Scope } from '../types.js';
import { audit } from './logs.js';

/** What an edge last told the province about itself (by file or by link). */
export interface EdgeReport {
  via: 'file' | 'link';
  /** When it was made at the edge. */
  at: number;
  /** Records waiting at the edge, and the oldest of them (`at` ms), after what this report carried. */
  pendingRecords: number;
  oldestPendingAt: number | null;
  /** The edge's data is complete up to this time (ms): everything its devices sent before it has reached the province. */
  completeUntil: number | null;
  /** Bytes of the records waiting at the edge (its forward log not yet forwarded), when it knows. */
  pendingBytes?: number;
  /** By link: the edge's own word on it (`down`: its last will, the link just dropped). */
  link?: 'up' | 'down';
  /** The edge machine's own health when it made the report, for its technician (the provincial edges screen). */
  health?: EdgeHealth;
}

/**
 * An edge machine's own health as it reports it (by link in every state message, by file when the file is written).
 * The province shows it as it came: a full disk or a wrong clock at the school is the technician's to fix.
 */
export interface EdgeHealth {
  /** Free and total bytes of the disk holding the edge's data directory. */
  diskFreeBytes: number | null;
  diskTotalBytes: number | null;
  /** Bytes acknowledged to devices and not yet in the edge's own store (its gateway spool; null: not known, e.g. in a file made by the CLI), and how long the oldest waited (ms). */
  spoolBytes: number | null;
  spoolOldestMs: number | null;
  /** The edge's clock minus the province's (ms), as the edge last measured it; null when it could not (never linked). */
  clockOffsetMs: number | null;
}

export interface EdgeRow {
  id: string; siteId: number; name: string; signKey: string; boxKey: string; createdBy: string; createdAt: number;
  revokedAt: number | null; lastContactAt: number | null; lastReport: EdgeReport | null;
}

export interface NewEdge { id: string; siteId: number; name: string; signKey: string; boxKey: string }

/** An edge with where it sits, for the province's view of its edges. */
export interface PlacedEdge extends EdgeRow {
  siteName: string; schoolId: number; schoolCode: string; schoolName: string; districtId: number | null; districtName: string | null;
}

/** A site as an edge names it: `SCHOOLCODE` (a school's only site) or `SCHOOLCODE:Site name`. */
export interface EdgeSite { siteId: number; schoolId: number; code: string }

const COLS = ['id', 'site_id', 'name', 'sign_key', 'box_key', 'created_by', 'created_at', 'revoked_at', 'last_contact_at', 'last_report'] as const;

type Row = { id: string; site_id: number; name: string; sign_key: string; box_key: string; created_by: string; created_at: number; revoked_at: number | null; last_contact_at: number | null; last_report: string | null };

const toEdge = (r: Row): EdgeRow => ({
  id: r.id, siteId: Number(r.site_id), name: r.name, signKey: r.sign_key, boxKey: r.box_key, createdBy: r.created_by,
  createdAt: Number(r.created_at), revokedAt: num(r.revoked_at), lastContactAt: num(r.last_contact_at),
  lastReport: r.last_report ? (JSON.parse(r.last_report) as EdgeReport) : null,
});

export class EdgeStore {
  constructor(private readonly c: Ctx) {}

  /** Registers an edge (its id is derived from its signing key by the caller: edge/keys.ts). */
  async add(e: NewEdge, byUser: string, at: number): Promise<EdgeRow> {
    return inTx(this.c, async (c) => {
      await c.db.insertInto('edges').values({
        id: e.id, site_id: e.siteId, name: e.name, sign_key: e.signKey, box_key: e.boxKey, created_by: byUser, created_at: at,
        revoked_at: null, last_contact_at: null, last_report: null,
      }).execute().catch((err: unknown) => conflictOr(err, `an edge with this signing key is already registered (${e.id})`));
      await audit(c, byUser, 'edge.add', 'edge', e.id, { siteId: e.siteId, name: e.name });
      return (await new EdgeStore(c).get(e.id))!;
    });
  }

  async get(id: string): Promise<EdgeRow | undefined> {
    const r = await this.c.db.selectFrom('edges').select(COLS).where('id', '=', id).executeTakeFirst();
    return r && toEdge(r);
  }

  /** Every edge (of one site, or of these sites: a page of devices asks once for all of theirs), oldest first. */
  async list(site?: number | readonly number[]): Promise<EdgeRow[]> {
    let q = this.c.db.selectFrom('edges').select(COLS).orderBy('created_at').orderBy('id');
    if (typeof site === 'number') q = q.where('site_id', '=', site);
    else if (site) {
      if (!site.length) return [];
      q = q.where('site_id', 'in', [...site]);
    }
    return (await q.execute()).map(toEdge);
  }

  /** Every edge within `scope` (the whole province without one) with its site, school and district. */
  async listPlaced(scope?: Scope): Promise<PlacedEdge[]> {
    const rows = await this.c.db.selectFrom('edges as e').innerJoin('sites as t', 't.id', 'e.site_id').innerJoin('schools as s', 's.id', 't.school_id')
      .leftJoin('districts as di', 'di.id', 's.district_id')
      .select(['e.id', 'e.site_id', 'e.name', 'e.sign_key', 'e.box_key', 'e.created_by', 'e.created_at', 'e.revoked_at', 'e.last_contact_at', 'e.last_report',
        't.name as siteName', 's.id as schoolId', 's.code as schoolCode', 's.name as schoolName', 's.district_id as districtId', 'di.name as districtName'])
      .where(inScope(scope)).orderBy('s.name').orderBy('t.name').orderBy('e.name').execute();
    return rows.map((r) => ({
      ...toEdge(r), siteName: r.siteName, schoolId: Number(r.schoolId), schoolCode: r.schoolCode, schoolName: r.schoolName,
      districtId: num(r.districtId), districtName: r.districtName,
    }));
  }

  /** Revokes an edge: its files and its link are refused from now on. */
  async revoke(id: string, byUser: string, at: number): Promise<void> {
    await inTx(this.c, async (c) => {
      const r = await c.db.updateTable('edges').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      if (!changed(r)) {
        if (!(await new EdgeStore(c).get(id))) throw notFound(`no edge '${id}'`);
        return;
      }
      await audit(c, byUser, 'edge.revoke', 'edge', id, {});
    });
  }

  /** The site an edge's site code names, if the province knows it. */
  async siteByCode(code: string): Promise<EdgeSite | undefined> {
    const i = code.indexOf(':');
    const schoolCode = i < 0 ? code : code.slice(0, i);
    const siteName = i < 0 ? undefined : code.slice(i + 1);
    let q = this.c.db.selectFrom('sites as t').innerJoin('schools as s', 's.id', 't.school_id')
      .select(['t.id as siteId', 's.id as schoolId', 't.name as name']).where('s.code', '=', schoolCode).where('t.retired_at', 'is', null);
    if (siteName !== undefined) q = q.where('t.name', '=', siteName);
    const rows = await q.execute();
    if (rows.length > 1) throw invalid(`school ${schoolCode} has ${rows.length} sites: name one as ${schoolCode}:<site name> (${rows.map((r) => r.name).join(', ')})`);
    const r = rows[0];
    return r && { siteId: Number(r.siteId), schoolId: Number(r.schoolId), code };
  }

  /** The last q applied per device of the edge (of the given devices, or all). */
  async cursors(edgeId: string, deviceIds?: readonly string[]): Promise<Map<string, number>> {
    let q = this.c.db.selectFrom('edge_cursors').select(['device_id', 'seq']).where('edge_id', '=', edgeId);
    if (deviceIds) {
      if (!deviceIds.length) return new Map();
      q = q.where('device_id', 'in', [...deviceIds]);
    }
    return new Map((await q.execute()).map((r) => [r.device_id, Number(r.seq)]));
  }

  /**
   * Advances the cursors (a cursor never goes back) and records the edge's contact and report, in one transaction;
   * audited with `detail` (what was applied) when `byUser` is given.
   */
  async advance(edgeId: string, cursors: ReadonlyMap<string, number>, o: { at: number; report?: EdgeReport; byUser?: string; detail?: object }): Promise<void> {
    await inTx(this.c, async (c) => {
      const rows = [...cursors].map(([device_id, seq]) => ({ edge_id: edgeId, device_id, seq }));
      for (let i = 0; i < rows.length; i += 500) {
        await c.db.insertInto('edge_cursors').values(rows.slice(i, i + 500)).onConflict((oc) => oc.columns(['edge_id', 'device_id']).doUpdateSet({
          seq: sql<number>`CASE WHEN excluded.seq > edge_cursors.seq THEN excluded.seq ELSE edge_cursors.seq END`,
        })).execute();
      }
      await c.db.updateTable('edges').set({ last_contact_at: o.at, ...(o.report ? { last_report: JSON.stringify(o.report) } : {}) }).where('id', '=', edgeId).execute();
      if (o.byUser) await audit(c, o.byUser, 'edge.apply', 'edge', edgeId, o.detail ?? {});
    });
  }
}
