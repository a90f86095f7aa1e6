/**
 * The down direction to edge nodes as one narrow port of the store (`registry.edgeSlices`): the province reads a
 * site's slice and its waiting commands and records the outcomes its edges report; an edge applies a slice and reads
 * what to report back. edge-slice.ts and edge-slice-apply.ts hold the queries.
 */
import type { Ctx } from './context.js';
import * as province from './edge-slice.js';
import * as edge from './edge-slice-apply.js';

export class EdgeSliceStore {
  constructor(private readonly c: Ctx) {}

  siteSlice(siteId: number): Promise<province.SiteSlice> { return province.siteSlice(this.c, siteId); }
  siteCommands(siteId: number): Promise<province.SliceCommand[]> { return province.siteCommands(this.c, siteId); }
  siteCancelled(siteId: number, since: number): Promise<string[]> { return province.siteCancelled(this.c, siteId, since); }
  nextBundleVersion(edgeId: string): Promise<number> { return province.nextBundleVersion(this.c, edgeId); }
  /** The province's bundle signing key (PKCS#8 PEM), made by `make` on first use and shared by every provincial machine. */
  provinceKey(make: () => string): Promise<string> { return province.ensureMeta(this.c, 'province:bundle-signing-key', make); }
  /** An edge's outcome of a command queued for it; false when already final or not that device's. */
  recordOutcome(o: Parameters<typeof province.recordEdgeOutcome>[1]): Promise<boolean> { return province.recordEdgeOutcome(this.c, o); }

  /** At the edge: applies a slice in one transaction (docs/edge.md, "Conflicts: which side wins"). */
  applySlice(a: edge.SliceApply): Promise<edge.SliceApplied> { return edge.applySlice(this.c, a); }
  provinceOutcomes(after: edge.OutcomeCursor | undefined, limit?: number): Promise<edge.ProvinceOutcome[]> { return edge.provinceOutcomes(this.c, after, limit); }
  /** The edge's bundle bookkeeping (edge-slice-apply.ts, EDGE_META). */
  meta<T>(key: (typeof edge.EDGE_META)[keyof typeof edge.EDGE_META]): Promise<T | undefined> { return province.getMeta<T>(this.c, key); }
  setMeta(key: (typeof edge.EDGE_META)[keyof typeof edge.EDGE_META], value: unknown): Promise<void> { return province.setMeta(this.c, key, value); }
}
