/** The province's view of its edge nodes (issue 21, docs/edge.md "Màn hình Máy trạm biên"). */
import { Type, type Static } from '@sinclair/typebox';
import { lit, Nullable, Obj } from './kit.js';

/**
 * `connected`: the edge reported over its link within the last two minutes (it reports at least every minute); `cut`: heard from before (by link or
 * by file) but not since (`since` = its last contact); `never`: registered, never heard from.
 */
export const EdgeLinkState = lit(['connected', 'cut', 'never']);
export type EdgeLinkState = Static<typeof EdgeLinkState>;

const Ms = Nullable(Type.Number());
const Int = Nullable(Type.Integer());

/** One edge as the province last heard of it. Times are UTC ms; the web app shows them in Asia/Ho_Chi_Minh. */
export const EdgeView = Obj({
  id: Type.String(),
  name: Type.String(),
  siteId: Type.Integer(),
  siteName: Type.String(),
  schoolId: Type.Integer(),
  schoolCode: Type.String(),
  schoolName: Type.String(),
  districtId: Int,
  districtName: Nullable(Type.String()),
  link: Obj({ state: EdgeLinkState, since: Ms, via: Nullable(lit(['file', 'link'])) }),
  lastContactAt: Ms,
  backlog: Obj({ records: Int, bytes: Int, oldestAt: Ms, ageMs: Ms }, { description: 'Records waiting at the edge as last reported; `ageMs`: how long the oldest has waited, now.' }),
  completeUntil: Nullable(Type.Number(), { description: 'Everything the site\'s devices sent before this time has reached the province; later days are pending.' }),
  health: Nullable(Obj({
    reportedAt: Type.Number(), diskFreeBytes: Ms, diskTotalBytes: Ms, spoolBytes: Ms, spoolOldestMs: Ms, clockOffsetMs: Ms,
  }), { description: 'The edge machine\'s own health as last reported (null: never reported it).' }),
  revokedAt: Ms,
  createdAt: Type.Number(),
  lagMs: Nullable(Type.Number(), { description: 'How far behind the province is on this site (ms since `completeUntil`, or since registration when never complete); null when revoked.' }),
});
export type EdgeView = Static<typeof EdgeView>;

const Key = Type.String({ minLength: 1, maxLength: 200 });
/**
 * POST /api/edges (admins): registers an edge for a site named as the edge names it (`SCHOOLCODE` or
 * `SCHOOLCODE:Site name`) with the public keys `edufleet edge keys` printed at the school; answers the edge as listed.
 */
export const EdgeRegistrationInput = Obj({ site: Type.String({ minLength: 1, maxLength: 300 }), name: Type.String({ minLength: 1, maxLength: 200 }), signKey: Key, boxKey: Key });
export type EdgeRegistrationInput = Static<typeof EdgeRegistrationInput>;

/** GET /api/edges: the edges the user may see, worst first (most behind, never heard from, cut, then the others; revoked last). */
export const EdgeListResponse = Obj({ edges: Type.Array(EdgeView), generatedAt: Type.Number() });
export type EdgeListResponse = Static<typeof EdgeListResponse>;

/** An edge's id in a path (bundle, revoke). */
export const EdgeIdParams = Obj({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type EdgeIdParams = Static<typeof EdgeIdParams>;
