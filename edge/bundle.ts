/**
 * The down bundle (docs/edge.md, "The USB round trip, down"; docs/architecture.md, "Edge nodes (issue 21)"): what an
 * edge needs from the province for its site, in one signed file encrypted for that edge. The slice is whole each
 * time, never a diff: applying it is idempotent, a bundle lost on the way or skipped costs nothing (the next carries
 * everything), and the edge needs no memory of which changes it has seen beyond one version number. `makeBundle` runs at
 * the province (`edufleet edge bundle`, and the link when an edge asks); `applyBundle` at the edge (`edufleet edge
 * apply`, and the link's `onBundle`).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { EdufleetError } from '../lib/errors.js';
import type { EdgeRow, RegistryStore, SiteSlice, SliceApplied, SliceCommand } from '../registry/index.js';
import { EDGE_META } from '../registry/index.js';
import { keyFingerprint, openBundle, sealBundle, unsealBundle, type BundleHeader, type SigningKey } from './bundle-file.js';
import { edgeKeys } from './keys.js';

/** The content the bundle encrypts. */
export interface BundleContent {
  edge: string; site: string; version: number; createdAt: number;
  slice: SiteSlice;
  /** Commands and bulk runs' commands of the site's devices not yet reported done. */
  commands: SliceCommand[];
  /** Per device, the last q the province has applied from this edge: the edge compacts its forward log up to it. */
  confirmed: Record<string, number>;
  /** Commands of the site cancelled at the province in the last CANCELLED_WINDOW_MS: the edge drops them if still queued. */
  cancelled: string[];
}

/** How far back a cancellation is carried: longer than any command lives (a week at most, docs/commands.md). */
const CANCELLED_WINDOW_MS = 8 * 86_400_000;

/**
 * The province's signing key, made on first use and kept in the registry, so every provincial machine signs with the
 * same one (a link may land on any broker node, and an edge trusts one key: docs/security.md).
 */
export async function provinceKeys(registry: RegistryStore): Promise<SigningKey> {
  const pem = await registry.edgeSlices.provinceKey(() => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  const signPrivate = createPrivateKey(pem);
  return { signPrivate, signKey: createPublicKey(signPrivate).export({ format: 'der', type: 'spki' }).subarray(12).toString('base64') };
}

export interface MadeBundle { file: Buffer; header: BundleHeader; fingerprint: string; devices: number; users: number; commands: number }

/** The active edge of a site code (or the one named); EDUFLEET_ERR_EDGE_SITE_UNKNOWN / _NO_EDGE otherwise. */
export async function edgeOfSite(registry: RegistryStore, site: string, edgeId?: string): Promise<EdgeRow> {
  const s = await registry.edges.siteByCode(site);
  if (!s) throw new EdufleetError('EDUFLEET_ERR_EDGE_SITE_UNKNOWN', `no site '${site}' (a school code, or SCHOOLCODE:Site name)`);
  const edges = (await registry.edges.list(s.siteId)).filter((e) => e.revokedAt === null && (edgeId === undefined || e.id === edgeId));
  if (!edges.length) throw new EdufleetError('EDUFLEET_ERR_EDGE_NO_EDGE', `site '${site}' has no registered edge${edgeId ? ` '${edgeId}'` : ''} (edufleet edge add)`);
  if (edges.length > 1) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `site '${site}' has ${edges.length} edges: name one with --edge (${edges.map((e) => e.id).join(', ')})`);
  return edges[0]!;
}

/** Makes the next bundle of `edge` (a new version), audited. */
export async function makeBundle(registry: RegistryStore, edge: EdgeRow, o: { site?: string; now: number; byUser: string }): Promise<MadeBundle> {
  const province = await provinceKeys(registry);
  const version = await registry.edgeSlices.nextBundleVersion(edge.id);
  const slice = await registry.edgeSlices.siteSlice(edge.siteId);
  // Over the link nobody typed a code: the long form names the site whatever number of sites its school has.
  const site = o.site ?? `${slice.school.code}:${slice.site.name}`;
  const content: BundleContent = {
    edge: edge.id, site, version, createdAt: o.now, slice,
    commands: await registry.edgeSlices.siteCommands(edge.siteId),
    confirmed: Object.fromEntries(await registry.edges.cursors(edge.id)),
    cancelled: await registry.edgeSlices.siteCancelled(edge.siteId, o.now - CANCELLED_WINDOW_MS),
  };
  const file = sealBundle(content, { province, edge: edge.id, edgeBoxKey: edge.boxKey, site, version, createdAt: o.now });
  const made = { devices: content.slice.devices.length, users: content.slice.users.length, commands: content.commands.length };
  await registry.audit(o.byUser, 'edge.bundle', 'edge', edge.id, { version, ...made });
  return { file, header: openBundle(file).header, fingerprint: keyFingerprint(province.signKey), ...made };
}

export interface AppliedBundle { header: BundleHeader; applied: SliceApplied; fingerprint: string; pinned: boolean }

/**
 * Applies a bundle at the edge whose data directory is `dataDir`: refused with a coded error, and nothing changed,
 * unless it is for this edge, signed by the province key the edge trusts (`provinceKey`, else the one pinned by the
 * first bundle applied; the first one pins its own, checked against `expectFingerprint` when given), whole, and not
 * older than the one applied.
 */
export async function applyBundle(registry: RegistryStore, file: Buffer, o: { dataDir: string; now: number; provinceKey?: string; expectFingerprint?: string }): Promise<AppliedBundle> {
  const keys = edgeKeys(path.join(o.dataDir, 'edge'));
  const x = openBundle(file);
  const pinned = await registry.edgeSlices.meta<string>(EDGE_META.provinceKey);
  const trusted = o.provinceKey || pinned || String(x.header.province);
  const fingerprint = keyFingerprint(trusted);
  if (o.expectFingerprint && normal(o.expectFingerprint) !== normal(fingerprint)) {
    throw new EdufleetError('EDUFLEET_ERR_EDGE_BUNDLE_SIGNATURE', `the bundle's province key has fingerprint ${fingerprint}, not ${o.expectFingerprint}`);
  }
  const plain = unsealBundle(x, { keys, trusted });
  let content: BundleContent;
  try {
    content = JSON.parse(plain.toString('utf8')) as BundleContent;
  } catch (err) {
    throw new EdufleetError('EDUFLEET_ERR_EDGE_BUNDLE_FILE', 'the bundle\'s content is not readable JSON', { cause: err });
  }
  if (content.edge !== x.header.edge || content.version !== x.header.version) throw new EdufleetError('EDUFLEET_ERR_EDGE_BUNDLE_TAMPERED', 'the bundle\'s content names another edge or version than its signed header');
  const applied = await registry.edgeSlices.applySlice({
    edgeId: keys.id, version: content.version, provinceKey: trusted, slice: content.slice, commands: content.commands, confirmed: content.confirmed, cancelled: content.cancelled, now: o.now,
  });
  return { header: x.header, applied, fingerprint, pinned: !pinned && !o.provinceKey };
}

const normal = (f: string) => f.replace(/[^0-9a-f]/gi, '').toLowerCase();

/** One line for a person: what a bundle changed at the edge. */
export function describeApplied(a: SliceApplied): string {
  const d = a.devices;
  const u = a.users;
  const c = a.commands;
  return `bundle v${a.version}: devices ${d.added} added, ${d.changed} changed, ${d.revoked} revoked; users ${u.added} added, ${u.changed} changed, ${u.disabled} disabled; `
    + `commands ${c.queued} queued, ${c.expired} expired on the way, ${c.present} already here, ${c.cancelled} cancelled by the province`;
}
