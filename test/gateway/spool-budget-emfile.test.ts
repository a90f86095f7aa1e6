import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readFileLimit } from '../../lib/limits.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A real EMFILE: this test's own process (a vitest fork) gets a low soft open-file limit and every descriptor
 * under it is taken, so the spool's next segment and the writer's read of a segment fail as they would with 20,000
 * devices connected. The connections already open go on; nothing escapes as an uncaught exception.
 */
function exhaustFiles(): () => void {
  const before = readFileLimit()!;
  const open = readdirSync('/proc/self/fd').length;
  execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${open + 64}:${before.hard}`]);
  const held: number[] = [];
  try {
    for (;;) held.push(openSync('/dev/null', 'r'));
  } catch (err) {
    if ((err as { code?: string }).code !== 'EMFILE') throw err;
  }
  return () => {
    for (const fd of held) closeSync(fd);
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${before.soft}:${before.hard}`]);
  };
}

describe('EMFILE on a spool segment', () => {
  // Small segments: every few readings the spool starts a new one, which is the open that fails.
  const s = useTestStack({ overrides: { gateway: { segmentBytes: 4096, retryMaxMs: 200 } } });

  it('is logged, shown, counted and retried; every acknowledged reading reaches InfluxDB', async () => {
    const { room } = await seedSchool(s.registry, 'EMFILE-1');
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    await s.directory.refresh();
    const c = await connectDevice(s.mqttUrl, device.id, secret!);
    const t0 = Date.now() - 600_000;
    let sent = 0;
    const send = async (n: number) => {
      for (let i = 0; i < n; i++, sent++) await c.publishAsync(topics.telemetry(device.id), JSON.stringify({ ts: t0 + sent, battery: sent % 100, wifiRssi: -60 }), { qos: 1 });
    };
    await send(5);

    const release = exhaustFiles();
    let gateway;
    try {
      // Still acknowledged: the segment open for writing is already open; only a new one cannot be started.
      await send(80);
      gateway = await waitFor('the gateway degraded by EMFILE', () => {
        const h = s.gateway!.health();
        return h.state === 'degraded' && h.lastError?.code === 'EMFILE' ? h : null;
      });
    } finally {
      release();
    }
    expect(gateway.lastError!.context).toMatch(/spool/);
    expect(s.broker!.health().state).toBe('ok');

    await send(5);
    const stored = await waitFor('every acknowledged reading in InfluxDB', async () => {
      const r = await s.influx.query<{ count: number }>(`SELECT count(battery) FROM telemetry_tablet WHERE device = '${device.id}'`);
      return (r[0]?.count ?? 0) >= sent ? r[0]!.count : null;
    }, 30_000);
    console.log(`EMFILE on the spool: ${sent} readings acknowledged, ${stored} in InfluxDB, lost ${sent - stored}`);
    expect(stored).toBe(sent);
    await waitFor('the gateway healthy again', () => s.gateway!.health().state === 'ok');
    const metrics = await s.metrics.registry.metrics();
    expect(metrics).toMatch(/edufleet_resource_errors_total\{code="EMFILE",context="spool[^"]*"\} [1-9]/);
    await c.endAsync();
  });
});
