/**
 * The down bundle's commands wired to a data directory (cli/edge-bundle-commands.ts): at the province `edufleet edge
 * bundle` writes the file for a site's edge; at the edge `edufleet edge apply` applies one to the edge's registry
 * (the running edge's broker picks the changes up at its next directory poll; its downlink, edge/downlink.ts, reports
 * the commands' outcomes and compacts the forward log).
 */
import { readFileSync, renameSync } from 'node:fs';
import type { Config } from '../config/index.js';
import { applyBundle, edgeOfSite, makeBundle, provinceKeys, type AppliedBundle, type MadeBundle } from '../edge/bundle.js';
import { keyFingerprint } from '../edge/bundle-file.js';
import { writePrivateFile } from '../lib/private-files.js';
import { openStore } from './open-store.js';

/** Writes the next bundle of a site's edge to `out` (whole or not at all: written aside, then renamed). */
export async function writeBundleFile(cfg: Readonly<Config>, o: { site: string; out: string; edge?: string; byUser: string }): Promise<MadeBundle> {
  const registry = await openStore(cfg);
  try {
    const edge = await edgeOfSite(registry, o.site, o.edge);
    const made = await makeBundle(registry, edge, { site: o.site, now: Date.now(), byUser: o.byUser });
    writePrivateFile(`${o.out}.part`, made.file);
    renameSync(`${o.out}.part`, o.out);
    return made;
  } finally {
    await registry.close();
  }
}

/** Applies a bundle file at the edge. */
export async function applyBundleFile(cfg: Readonly<Config>, file: string, o: { expectFingerprint?: string }): Promise<AppliedBundle> {
  const buf = readFileSync(file);
  const registry = await openStore(cfg);
  try {
    return await applyBundle(registry, buf, { dataDir: cfg.dataDir, now: Date.now(), provinceKey: cfg.edge.provinceKey || undefined, expectFingerprint: o.expectFingerprint });
  } finally {
    await registry.close();
  }
}

/** The province's public signing key and its fingerprint (made on first use), to give to technicians. */
export async function showProvinceKey(cfg: Readonly<Config>): Promise<{ key: string; fingerprint: string }> {
  const registry = await openStore(cfg);
  try {
    const k = await provinceKeys(registry);
    return { key: k.signKey, fingerprint: keyFingerprint(k.signKey) };
  } finally {
    await registry.close();
  }
}
