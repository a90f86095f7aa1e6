/**
 * The province's view of its edge nodes (docs/edge.md, "Màn hình Máy trạm biên"): each edge of the sites the user may
 * see, with its link state, backlog and "data complete until" as it last reported them (registry `edges.last_report`,
 * written by edge/apply.ts whether the report came by file or by link), worst first.
 */
import type { DeviceEdge, EdgeLinkState, EdgeListResponse, EdgeView } from '../../api/index.js';
import type { EdgeRow, PlacedEdge, RegistryStore, User } from '../../registry/index.js';
import { registerEdge, type EdgeRegistration } from '../../edge/register.js';
import { userScope } from './scope.js';

/** An edge on its link reports at least every minute (edge/uplink.ts): two minutes without a report is a cut link. */
export const EDGE_LINK_FRESH_MS = 120_000;

/** The link state of an edge, from its last contact and how its last report came. */
export function linkOf(e: Pick<PlacedEdge, 'lastContactAt' | 'lastReport'>, now: number): EdgeView['link'] {
  const via = e.lastReport?.via ?? null;
  if (e.lastContactAt === null) return { state: 'never', since: null, via };
  // A link's last will ("down") is a cut at once, however recent.
  const state: EdgeLinkState = via === 'link' && e.lastReport?.link !== 'down' && now - e.lastContactAt <= EDGE_LINK_FRESH_MS ? 'connected' : 'cut';
  return { state, since: e.lastContactAt, via };
}

export function edgeView(e: PlacedEdge, now: number): EdgeView {
  const r = e.lastReport;
  const h = r?.health;
  // A report by link arrives as it is made: its time against the province's at receipt is the edge's clock offset
  // (plus the transit, well under a second) when the edge did not measure it itself. A file's time says nothing.
  // A last will carries the time it was set, not sent: no measure then.
  const measured = r?.via === 'link' && r.link !== 'down' && e.lastContactAt !== null ? r.at - e.lastContactAt : null;
  return {
    id: e.id, name: e.name, siteId: e.siteId, siteName: e.siteName, schoolId: e.schoolId, schoolCode: e.schoolCode, schoolName: e.schoolName,
    districtId: e.districtId, districtName: e.districtName,
    link: linkOf(e, now),
    lastContactAt: e.lastContactAt,
    backlog: {
      records: r ? r.pendingRecords : null, bytes: r?.pendingBytes ?? null, oldestAt: r?.oldestPendingAt ?? null,
      ageMs: r?.oldestPendingAt != null ? Math.max(0, now - r.oldestPendingAt) : null,
    },
    completeUntil: r?.completeUntil ?? null,
    health: r && (h || measured !== null) ? {
      reportedAt: r.at, diskFreeBytes: h?.diskFreeBytes ?? null, diskTotalBytes: h?.diskTotalBytes ?? null, spoolBytes: h?.spoolBytes ?? null,
      spoolOldestMs: h?.spoolOldestMs ?? null, clockOffsetMs: h?.clockOffsetMs ?? measured,
    } : null,
    revokedAt: e.revokedAt, createdAt: e.createdAt,
    lagMs: e.revokedAt !== null ? null : Math.max(0, now - (r?.completeUntil ?? e.createdAt)),
  };
}

const RANK: Record<EdgeLinkState, number> = { never: 0, cut: 1, connected: 2 };

/** Worst first: revoked last; then the most behind ("data complete until" furthest back), never heard of before cut before connected. */
export function worstFirst(a: EdgeView, b: EdgeView): number {
  if ((a.revokedAt === null) !== (b.revokedAt === null)) return a.revokedAt === null ? -1 : 1;
  return (b.lagMs ?? 0) - (a.lagMs ?? 0) || RANK[a.link.state] - RANK[b.link.state] || a.schoolName.localeCompare(b.schoolName, 'vi') || a.name.localeCompare(b.name, 'vi');
}

/** Registers an edge (edge/register.ts: keys checked, site resolved, audited) and answers it as the list shows it. */
export async function addEdge(user: User, registry: RegistryStore, input: EdgeRegistration, now: number): Promise<EdgeView> {
  const row = await registerEdge(registry, input, { byUser: user.username, at: now });
  const placed = (await registry.edges.listPlaced()).find((e) => e.id === row.id)!;
  return edgeView(placed, now);
}

/**
 * Revokes an edge, as `edufleet edge revoke` does (audited; revoking it again changes nothing), and answers it as the
 * list shows it. Its files are refused from now on, and so is every message on its link (edge/link-province.ts).
 */
export async function revokeEdge(user: User, registry: RegistryStore, id: string, now: number): Promise<EdgeView> {
  await registry.edges.revoke(id, user.username, now);
  const placed = (await registry.edges.listPlaced()).find((e) => e.id === id)!;
  return edgeView(placed, now);
}

/** The edges `user` may see (the route has checked the role: scope.ts `edges.read`). */
export async function edgeList(user: User, registry: RegistryStore, now: number): Promise<EdgeListResponse> {
  const edges = (await registry.edges.listPlaced(userScope(user))).map((e) => edgeView(e, now)).sort(worstFirst);
  return { edges, generatedAt: now };
}

/**
 * The edge each of these sites' devices send through, for a page of devices (one query, whatever the page's size): the
 * active edge, the first by name as a queued command names it (registry/store/commands.ts `EDGE_NAME`), else the
 * site's last revoked edge, so a device page says its edge was revoked rather than nothing. The caller has checked
 * that the user sees the devices, hence their sites.
 */
export async function siteEdges(registry: RegistryStore, siteIds: Iterable<number>, now: number): Promise<Map<number, DeviceEdge>> {
  const best = new Map<number, EdgeRow>();
  for (const e of await registry.edges.list([...new Set(siteIds)])) {
    const b = best.get(e.siteId);
    const better = !b || (b.revokedAt === null
      ? e.revokedAt === null && e.name < b.name
      : e.revokedAt === null || e.revokedAt > b.revokedAt);
    if (better) best.set(e.siteId, e);
  }
  return new Map([...best].map(([siteId, e]) => [siteId, { id: e.id, name: e.name, link: linkOf(e, now), revokedAt: e.revokedAt }]));
}
