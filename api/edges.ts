/** The province's view of its edge nodes (issue 21, docs/edge.md "Màn hình Máy trạm biên"). */

/**
 * `connected`: the edge reported over its link within the last two minutes (it reports at least every minute); `cut`: heard from before (by link or
 * by file) but not since (`since` = its last contact); `never`: registered, never heard from.
 */
export type EdgeLinkState = 'connected' | 'cut' | 'never';

/** One edge as the province last heard of it. Times are UTC ms; the web app shows them in Asia/Ho_Chi_Minh. */
export interface EdgeView {
  id: string;
  name: string;
  siteId: number;
  siteName: string;
  schoolId: number;
  schoolCode: string;
  schoolName: string;
  districtId: number | null;
  districtName: string | null;
  link: { state: EdgeLinkState; since: number | null; via: 'file' | 'link' | null };
  lastContactAt: number | null;
  /** Records waiting at the edge as last reported; `ageMs`: how long the oldest has waited, now. */
  backlog: { records: number | null; bytes: number | null; oldestAt: number | null; ageMs: number | null };
  /** Everything the site's devices sent before this time has reached the province; later days are pending. */
  completeUntil: number | null;
  /** The edge machine's own health as last reported (null: never reported it). */
  health: {
    reportedAt: number; diskFreeBytes: number | null; diskTotalBytes: number | null; spoolBytes: number | null; spoolOldestMs: number | null;
    clockOffsetMs: number | null;
  } | null;
  revokedAt: number | null;
  createdAt: number;
  /** How far behind the province is on this site (ms since `completeUntil`, or since registration when never complete); null when revoked. */
  lagMs: number | null;
}

/**
 * POST /api/edges (admins): registers an edge for a site named as the edge names it (`SCHOOLCODE` or
 * `SCHOOLCODE:Site name`) with the public keys `edufleet edge keys` printed at the school; answers the edge as listed.
 */
export interface EdgeRegistrationInput { site: string; name: string; signKey: string; boxKey: string }

/** GET /api/edges: the edges the user may see, worst first (most behind, never heard from, cut, then the others; revoked last). */
export interface EdgeListResponse { edges: EdgeView[]; generatedAt: number }
