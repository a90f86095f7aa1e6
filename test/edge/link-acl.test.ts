/**
 * The edge account at the province (issue 21): an edge logs in with a login signed by its own key, may publish only
 * on its own `up/*` topics and only for its own site's devices, and may read only its own `down`. Against a real
 * provincial stack (broker, gateway, InfluxDB) and a real MQTT client speaking as the edge.
 */
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeKeys, type EdgeKeys } from '../../edge/keys.js';
import { linkTopics, loginPassword } from '../../edge/link.js';
import type { DeviceRecord } from '../../edge/records.js';
import { registerEdge } from '../../edge/register.js';
import { connectDevice, refusalCode, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const SITE = 'LC-THPT-BAT-XAT';
const OTHER = 'LC-THPT-SA-PA';

describe('the edge account at the province', () => {
  let s: TestStack;
  let a: EdgeKeys;
  let b: EdgeKeys;
  let revoked: EdgeKeys;
  const clients: MqttClient[] = [];
  const ts0 = Date.now() - 3_600_000;
  const reading = (d: string, q: number): DeviceRecord => ({ d, q, c: 'telemetry', p: JSON.stringify({ ts: ts0 + q * 60_000, power: 'on', touches: q }), at: ts0 + q * 60_000 + 100 });
  const asEdge = async (k: EdgeKeys) => {
    const c = await connectDevice(s.mqttUrl, k.id, loginPassword(k, Date.now()));
    clients.push(c);
    return c;
  };
  const points = async (device: string) => (await s.influx.query<{ n: number }>(`SELECT count(touches) AS n FROM raw.telemetry_board WHERE device = '${device}'`))[0]?.n ?? 0;
  const metric = async () => s.metrics.registry.getSingleMetricAsString('edufleet_edge_records_total');

  beforeAll(async () => {
    s = await startTestStack();
    const { site, room } = await seedSchool(s.registry, SITE);
    const other = await seedSchool(s.registry, OTHER);
    await s.registry.addDevices([{ id: 'bx-board-01', kind: 'board', roomId: room.id }, { id: 'sp-board-01', kind: 'board', roomId: other.room.id }]);
    a = edgeKeys(path.join(s.dir, 'edge-a'));
    b = edgeKeys(path.join(s.dir, 'edge-b'));
    revoked = edgeKeys(path.join(s.dir, 'edge-r'));
    for (const [k, code] of [[a, SITE], [b, OTHER], [revoked, SITE]] as const) {
      await registerEdge(s.registry, { site: code, name: `Máy chủ ${k.id}`, signKey: k.signKey, boxKey: k.boxKey }, { byUser: 'admin', at: Date.now() });
    }
    await s.registry.edges.revoke(revoked.id, 'admin', Date.now());
    expect(site.id).toBeGreaterThan(0);
    await waitFor('the directory to know both boards', () => s.directory.get('sp-board-01'));
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await s?.close();
  });

  it('an edge logs in with a login signed by its own key, and not with another edge\'s signature, an old one or when revoked', async () => {
    expect(await refusalCode(s.mqttUrl, a.id, a.id, loginPassword(a, Date.now()))).toBe('accepted');
    // Edge B's key signing a login for edge A's id.
    expect(await refusalCode(s.mqttUrl, a.id, a.id, loginPassword({ ...b, id: a.id }, Date.now()))).toBe(4);
    expect(await refusalCode(s.mqttUrl, a.id, a.id, loginPassword(a, Date.now() - 3_600_000))).toBe(4);
    expect(await refusalCode(s.mqttUrl, revoked.id, revoked.id, loginPassword(revoked, Date.now()))).toBe(5);
  });

  it('a backlog is applied before its PUBACK, and a record for a device of another site is refused and counted', async () => {
    const c = await asEdge(a);
    await c.publishAsync(linkTopics(a.id).backlog, JSON.stringify([reading('bx-board-01', 1), reading('bx-board-01', 2), reading('sp-board-01', 1)]), { qos: 1 });
    // PUBACK = applied: the cursor has moved already.
    expect(Object.fromEntries(await s.registry.edges.cursors(a.id))).toEqual({ 'bx-board-01': 2 });
    await waitFor('both readings in InfluxDB', async () => (await points('bx-board-01')) === 2);
    // The same batch again (a PUBACK lost in a cut): counted as present, stored once.
    await c.publishAsync(linkTopics(a.id).backlog, JSON.stringify([reading('bx-board-01', 1), reading('bx-board-01', 2)]), { qos: 1 });
    expect(await metric()).toMatch(/outcome="applied"} 2/);
    expect(await metric()).toMatch(/outcome="present"} 2/);
    expect(await metric()).toMatch(/outcome="refused"} 1/);
    expect(await points('sp-board-01')).toBe(0);
    expect(c.connected).toBe(true);
  });

  it('an edge cannot publish on another edge\'s topics nor on a device\'s: its connection is closed and nothing is stored', async () => {
    for (const topic of [linkTopics(b.id).backlog, 'edu/v1/bx-board-01/telemetry']) {
      const c = await asEdge(a);
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      c.publish(topic, JSON.stringify([reading('bx-board-01', 3)]), { qos: 1 });
      await closed;
    }
    expect(Object.fromEntries(await s.registry.edges.cursors(b.id))).toEqual({});
    expect(Object.fromEntries(await s.registry.edges.cursors(a.id))).toEqual({ 'bx-board-01': 2 });
  });

  it('an edge may read its own down topic only', async () => {
    const c = await asEdge(a);
    const qos = (topic: string) => c.subscribeAsync(topic, { qos: 1 }).then((g) => g[0]!.qos, (err: Error) => err.message);
    expect(await qos(linkTopics(a.id).down)).toBe(1);
    // SUBACK 128 (refused): mqtt.js turns it into an error.
    expect(await qos(linkTopics(b.id).down)).toMatch(/Subscribe error/);
    expect(await qos('edu/v1/+/telemetry')).toMatch(/Subscribe error/);
    expect(c.connected).toBe(true);
  });

  it('the province sends a bundle down to a connected edge, and keeps it for one that connects later', async () => {
    const c = await asEdge(a);
    await c.subscribeAsync(linkTopics(a.id).down, { qos: 1 });
    const got = new Promise<Buffer>((r) => c.once('message', (_t, p) => r(p)));
    await s.edgeLinks!.publish(a.id, Buffer.from('bundle-1'));
    expect((await got).toString()).toBe('bundle-1');
    const later = mqtt.connect(s.mqttUrl, { clientId: a.id, username: a.id, password: loginPassword(a, Date.now()), reconnectPeriod: 0 });
    clients.push(later);
    const again = new Promise<Buffer>((r) => later.once('message', (_t, p) => r(p)));
    await new Promise<void>((r) => later.once('connect', () => r()));
    await later.subscribeAsync(linkTopics(a.id).down, { qos: 1 });
    expect((await again).toString()).toBe('bundle-1');
  });
});
