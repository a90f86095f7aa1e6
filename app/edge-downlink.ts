/**
 * The down direction over the link (docs/edge.md, "The USB round trip, down"), wired to the uplink's seams (edge/link.ts):
 * at the province, an edge that connects asks for its bundle (`up/sync`) and gets the next one on its `down` topic; at
 * the edge, a bundle from `down` is applied like a file (`edufleet edge apply`), the device directory is refreshed at
 * once (a revoked or rotated device is dropped now, not at the next poll), and the downlink component reports
 * outcomes and compacts the forward log.
 */
import type { Config } from '../config/index.js';
import { applyBundle, describeApplied, makeBundle } from '../edge/bundle.js';
import { EdgeDownlink } from '../edge/downlink.js';
import type { ForwardLog } from '../edge/forward-log.js';
import type { EdgeLinks, SyncHandler } from '../edge/link-province.js';
import type { Uplink } from '../edge/uplink.js';
import type { Clock } from '../lib/clock.js';
import { EdufleetError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { EDGE_META, type DeviceDirectory, type RegistryStore } from '../registry/index.js';

/** At the province: each sync request is answered with the edge's next bundle. */
export function provinceBundles(o: { registry: RegistryStore; links: EdgeLinks; log: Logger; clock: Clock }): SyncHandler {
  return async (edge, req) => {
    const made = await makeBundle(o.registry, edge, { now: o.clock.now(), byUser: `edge-link:${edge.id}` });
    await o.links.publish(edge.id, made.file);
    o.log.info({ edge: edge.id, version: made.header.version, had: req.sliceVersion, devices: made.devices, commands: made.commands }, 'bundle sent down the edge link');
  };
}

/** At the edge: applies what comes down the uplink. Call right after the uplink started, before any await. */
export function takeBundles(o: { uplink: Uplink; registry: RegistryStore; directory: DeviceDirectory; config: Readonly<Config>; log: Logger; clock: Clock }): void {
  let version: number | null = null;
  void o.registry.edgeSlices.meta<number>(EDGE_META.version).then((v) => { version ??= v ?? null; }, () => undefined);
  o.uplink.handleBundles(async (buf) => {
    try {
      const a = await applyBundle(o.registry, buf, { dataDir: o.config.dataDir, now: o.clock.now(), provinceKey: o.config.edge.provinceKey || undefined });
      version = a.applied.version;
      await o.directory.refresh();
      o.log.info({ version, pinned: a.pinned, fingerprint: a.fingerprint }, describeApplied(a.applied));
    } catch (err) {
      // The retained bundle of an earlier connection arrives before the new one: old news, not a fault.
      if (err instanceof EdufleetError && err.code === 'EDUFLEET_ERR_EDGE_BUNDLE_OLD') return o.log.debug({ err }, 'older bundle from the link ignored');
      throw err;
    }
  }, () => version);
}

/** At the edge: the component that sends outcomes up and compacts the forward log. */
export const edgeDownlink = (o: { registry: RegistryStore; log: ForwardLog; logger: Logger; config: Readonly<Config> }): EdgeDownlink =>
  new EdgeDownlink({ registry: o.registry, log: o.log, logger: o.logger, intervalMs: o.config.edge.downlinkSyncMs });
