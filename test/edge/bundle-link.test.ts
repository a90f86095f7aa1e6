/**
 * The down direction over the link (issue 21, "back the other way"): a provincial stack and an edge stack
 * (`edge.enabled`) in this process, each on its own registry, the uplink through a TCP relay the test cuts, real MQTT
 * boards at the edge. The edge asks for its bundle at each connect; the province's bulk run waits for it and the
 * outcomes come back up the backlog.
 */
import path from 'node:path';
import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../commands/runs.js';
import { edgeKeys } from '../../edge/keys.js';
import { registerEdge } from '../../edge/register.js';
import { edgeDir } from '../../edge/sneakernet.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { parseTopic, topics } from '../../protocol/index.js';
import { EDGE_META } from '../../registry/index.js';
import { influxOptions } from '../helpers/influx.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { connectDevice, seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const SITE = 'LC-THPT-BAC-HA';

describe('commands from the province to an edge over its link', () => {
  const dir = tempDir('edufleet-bundle-link-');
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  const edgeData = path.join(dir, 'edge');
  const ids = ['bh-board-1', 'bh-board-2', 'bh-board-3'];
  const secrets = new Map<string, string>();
  const got = new Map<string, string[]>();
  const clients: MqttClient[] = [];
  let province: TestStack;
  let edge: TestStack;
  let relay: Relay;
  let siteId = 0;

  beforeAll(async () => {
    await influxd.start();
    province = await startTestStack({ dir: path.join(dir, 'province'), overrides: { influx: influxOptions(influxd) } });
    const { site, room } = await seedSchool(province.registry, SITE);
    siteId = site.id;
    for (const id of ids) secrets.set(id, (await province.registry.addDevice({ id, kind: 'board', roomId: room.id })).secret!);
    const keys = edgeKeys(edgeDir(edgeData));
    await registerEdge(province.registry, { site: SITE, name: 'Máy chủ trường Bắc Hà', signKey: keys.signKey, boxKey: keys.boxKey }, { byUser: 'admin', at: Date.now() });
    relay = await startRelay(province.broker!.port);
    edge = await startTestStack({
      dir: edgeData,
      overrides: {
        influx: { ...influxOptions(influxd), database: 'edge_local' },
        edge: { enabled: true, site: SITE, uplink: { url: `mqtt://127.0.0.1:${relay.port}` }, downlinkSyncMs: 100 },
        commands: { deliverySweepMs: 100 },
      },
    });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.end(true);
    await edge?.close();
    await relay?.close();
    await province?.close();
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('while the uplink is cut, a bulk command issued at the province for the site\'s boards is queued; after the link returns, every board carries it out and the run shows each outcome', async () => {
    // The first connect brings the site's devices: the boards log in at the edge with the secrets the province issued.
    await waitFor('the first bundle applied at the edge', async () => ((await edge.registry.edgeSlices.meta<number>(EDGE_META.version)) ?? 0) >= 1, 30_000);
    for (const id of ids) {
      const c = await connectDevice(edge.mqttUrl, id, secrets.get(id)!);
      got.set(id, []);
      c.on('message', (topic) => {
        const t = parseTopic(topic);
        if (t?.channel !== 'cmd') return;
        got.get(id)!.push(t.commandId!);
        c.publish(topics.commandResult(id, t.commandId!), JSON.stringify(id === 'bh-board-3' ? { ok: false, message: 'không có tín hiệu' } : { ok: true }), { qos: 1 });
      });
      await c.subscribeAsync(topics.commandFilter(id), { qos: 1 });
      clients.push(c);
    }
    relay.cut();
    await waitFor('the uplink to notice the cut', () => !edge.edge!.uplink!.connected);
    const { runId } = await startRun(province.registry, {
      target: { type: 'site', id: String(siteId), kind: 'board' }, name: 'input', args: { source: 'ops' }, origin: { by: 'user', username: 'admin' }, at: Date.now(), ratePerMin: null,
    });
    expect(await province.registry.runProgress(runId)).toMatchObject({ total: 3, queued: 3 });
    expect(await province.registry.devicesWithQueuedCommands(Date.now())).toEqual([]);
    relay.restore();
    await waitFor('every outcome in the province\'s run', async () => {
      const p = await province.registry.runProgress(runId);
      return p.succeeded === 2 && p.failed === 1;
    }, 60_000);
    for (const id of ids) expect(got.get(id)).toHaveLength(1);
    expect((await province.registry.commandsOfRun(runId)).find((c) => c.deviceId === 'bh-board-3')?.resultMessage).toBe('không có tín hiệu');
  }, 90_000);
});
