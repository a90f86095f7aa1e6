/**
 * Edge nodes in the registry (registry/store/edges.ts) on both engines: registered with their keys for a site named
 * by its code, revoked, audited; per device cursors that only move forward, advanced with the edge's report in one
 * transaction.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { edgeKeys } from '../../edge/keys.js';
import { registerEdge } from '../../edge/register.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { seedSchool } from '../helpers/stack.js';

const engines = useEngines();

describe.each(ENGINES)('edge nodes in the registry on %s', (engine) => {
  const open = async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edufleet-edges-'));
    const store = await engines.open(engine, dir);
    const { site, school } = await seedSchool(store, 'LC-TH-BAT-XAT');
    return { store, site, school, keys: edgeKeys(path.join(dir, 'edge')) };
  };

  it('registers an edge for a site named by its school code, with its keys, and audits it', async () => {
    const { store, site, keys } = await open();
    const e = await registerEdge(store, { site: 'LC-TH-BAT-XAT', name: 'Máy chủ điểm trường Bát Xát', signKey: keys.signKey, boxKey: keys.boxKey }, { byUser: 'admin', at: 1000 });
    expect(e).toMatchObject({ id: keys.id, siteId: site.id, signKey: keys.signKey, boxKey: keys.boxKey, createdBy: 'admin', createdAt: 1000, revokedAt: null, lastReport: null });
    expect(await store.edges.list(site.id)).toEqual([e]);
    // The sites of a page of devices at once (the device list), none, or only sites without an edge.
    expect(await store.edges.list([site.id, site.id + 1000])).toEqual([e]);
    expect(await store.edges.list([])).toEqual([]);
    expect(await store.edges.list([site.id + 1000])).toEqual([]);
    await expect(registerEdge(store, { site: 'LC-TH-BAT-XAT', name: 'again', signKey: keys.signKey, boxKey: keys.boxKey }, { byUser: 'admin', at: 2000 }))
      .rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
    await expect(registerEdge(store, { site: 'KHONG-CO', name: 'x', signKey: keys.signKey, boxKey: keys.boxKey }, { byUser: 'admin', at: 2000 }))
      .rejects.toMatchObject({ code: 'EDUFLEET_ERR_EDGE_SITE_UNKNOWN' });
    await expect(registerEdge(store, { site: 'LC-TH-BAT-XAT', name: 'x', signKey: 'bm90IGEga2V5', boxKey: keys.boxKey }, { byUser: 'admin', at: 2000 }))
      .rejects.toMatchObject({ code: 'EDUFLEET_ERR_EDGE_KEYS' });
    await store.edges.revoke(e.id, 'admin', 3000);
    expect((await store.edges.get(e.id))!.revokedAt).toBe(3000);
    const audit = await store.auditLog({ entity: 'edge' });
    expect(audit.entries.map((a) => a.action).sort()).toEqual(['edge.add', 'edge.revoke']);
  });

  it('names a site of a school with several sites by SCHOOLCODE:name, and refuses the bare code then', async () => {
    const { store, school, site } = await open();
    const other = await store.ensureSite({ schoolId: school.id, name: 'Điểm bản Mường Hum' });
    await expect(store.edges.siteByCode('LC-TH-BAT-XAT')).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
    expect(await store.edges.siteByCode('LC-TH-BAT-XAT:Điểm bản Mường Hum')).toMatchObject({ siteId: other.id, schoolId: school.id });
    expect(await store.edges.siteByCode(`LC-TH-BAT-XAT:${'Điểm chính'}`)).toMatchObject({ siteId: site.id });
    expect(await store.edges.siteByCode('LC-TH-BAT-XAT:nowhere')).toBeUndefined();
  });

  it('moves cursors only forward and stores the edge\'s last report with them', async () => {
    const { store, keys } = await open();
    const e = await registerEdge(store, { site: 'LC-TH-BAT-XAT', name: 'edge', signKey: keys.signKey, boxKey: keys.boxKey }, { byUser: 'admin', at: 1000 });
    const report = { via: 'file' as const, at: 5000, pendingRecords: 0, oldestPendingAt: null, completeUntil: 5000 };
    await store.edges.advance(e.id, new Map([['a', 10], ['b', 3]]), { at: 6000, report });
    await store.edges.advance(e.id, new Map([['a', 4], ['c', 1]]), { at: 7000 });
    expect(await store.edges.cursors(e.id)).toEqual(new Map([['a', 10], ['b', 3], ['c', 1]]));
    expect(await store.edges.cursors(e.id, ['b', 'z'])).toEqual(new Map([['b', 3]]));
    expect(await store.edges.get(e.id)).toMatchObject({ lastContactAt: 7000, lastReport: report });
  });
});
