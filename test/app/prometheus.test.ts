/**
 * /metrics as Prometheus wants it (issue 22, point 4): one prefix (`edufleet_process_cpu_seconds_total`, not
 * `edufleet_process_process_…`), HELP and TYPE for every metric, clean under `promtool check metrics`, on the
 * dashboard's port and on a node's management port; and the example alert rules (docs/prometheus/edufleet-rules.yml)
 * valid under `promtool check rules`, naming only metrics a real /metrics exports. Real stack, real promtool.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManagementServer } from '../../app/management.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, refusalCode, seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const RULES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/prometheus/edufleet-rules.yml');

/** Runs promtool with `input` on stdin; resolves with its exit code and everything it printed. */
function promtool(args: string[], input = ''): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (b: Buffer) => { output += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { output += b.toString(); });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, output }));
    p.stdin.end(input);
  });
}

/** The metric families of an exposition: name → whether it has HELP and TYPE, and its type. */
function families(text: string): Map<string, { help: boolean; type?: string }> {
  const out = new Map<string, { help: boolean; type?: string }>();
  for (const m of text.matchAll(/^# (HELP|TYPE) (\S+)(?: (\S+))?/gm)) {
    const f = out.get(m[2]!) ?? { help: false };
    if (m[1] === 'HELP') f.help = true;
    else f.type = m[3];
    out.set(m[2]!, f);
  }
  return out;
}

describe('/metrics for Prometheus', () => {
  const s = useTestStack({ dashboard: startDashboard, overrides: { node: { managementPort: 0 } } });
  let management: ManagementServer | undefined;
  const scrape = async (base: string) => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  it('is clean under promtool check metrics on the dashboard and on the management port, after device traffic', async () => {
    // Traffic so that the labelled series exist: a reading, a status, a refused login, a publish the ACL refuses.
    const { room } = await seedSchool(s.registry, 'LC-PROM');
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    await s.directory.refresh();
    const client = await connectDevice(s.mqttUrl, device.id, secret!);
    await client.publishAsync(topics.telemetry(device.id), JSON.stringify({ battery: 70 }), { qos: 1 });
    await client.publishAsync(topics.status(device.id), JSON.stringify({ state: 'online' }), { qos: 1 });
    await client.publishAsync(topics.telemetry('tablet-not-mine'), JSON.stringify({ battery: 1 }), { qos: 0 });
    expect(await refusalCode(s.mqttUrl, device.id, device.id, 'wrong secret')).not.toBe('accepted');
    await waitFor('the reading written', async () => /^edufleet_points_written_total [1-9]/m.test(await scrape(s.dashboard!.url)));
    await client.endAsync();

    management = await s.add(new ManagementServer({ config: s.config, log: s.log, metrics: s.metrics, health: () => ({ node: 'prom', devices: s.directory.size, components: s.health() }) }));
    for (const base of [s.dashboard!.url, management.url]) {
      const text = await scrape(base);
      expect(text).toMatch(/^edufleet_mqtt_connect_refused_total\{reason="[^"]+"\} 1/m);
      expect(text).toMatch(/^edufleet_mqtt_acl_denied_total\{op="publish"\} [1-9]/m);
      const lint = await promtool(['check', 'metrics'], text);
      expect(lint.output).toBe('');
      expect(lint.code).toBe(0);
    }
  });

  it('names each metric once with the edufleet_ prefix, with HELP and TYPE, counters ending in _total', async () => {
    const text = await scrape(s.dashboard!.url);
    const all = families(text);
    expect([...all.keys()].filter((n) => !n.startsWith('edufleet_'))).toEqual([]);
    expect([...all.keys()].filter((n) => /^edufleet_process_(process|nodejs)_/.test(n))).toEqual([]);
    expect(all.get('edufleet_process_cpu_seconds_total')).toEqual({ help: true, type: 'counter' });
    expect(all.get('edufleet_process_resident_memory_bytes')).toEqual({ help: true, type: 'gauge' });
    expect(all.get('edufleet_nodejs_eventloop_lag_seconds')).toEqual({ help: true, type: 'gauge' });
    expect(all.get('edufleet_spool_oldest_pending_seconds')).toEqual({ help: true, type: 'gauge' });
    for (const [name, f] of all) {
      expect(f, name).toMatchObject({ help: true, type: expect.any(String) });
      if (f.type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
    }
    // Every sample belongs to a family declared above (histograms add _bucket, _sum and _count).
    for (const m of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)) {
      expect(all.has(m[1]!.replace(/_(bucket|sum|count)$/, '')) || all.has(m[1]!), m[1]).toBe(true);
    }
  });

  it('the example alert rules pass promtool check rules and name only metrics /metrics exports', async () => {
    const check = await promtool(['check', 'rules', RULES]);
    expect(check.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(check.code).toBe(0);
    const exprs = [...readFileSync(RULES, 'utf8').matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]!);
    expect(exprs.length).toBeGreaterThanOrEqual(8);
    const exported = families(await scrape(s.dashboard!.url));
    const named = new Set(exprs.flatMap((e) => [...e.matchAll(/\bedufleet_[a-z0-9_]+/g)].map((m) => m[0])));
    expect([...named].filter((n) => !exported.has(n))).toEqual([]);
    // What the brief asks the rules to watch, each by the metric that shows it.
    for (const n of ['edufleet_component_degraded', 'edufleet_spool_pending_bytes', 'edufleet_spool_oldest_pending_seconds', 'edufleet_mqtt_connect_refused_total',
      'edufleet_resource_errors_total', 'edufleet_influx_write_errors_total']) expect(named).toContain(n);
    expect(exprs.some((e) => /^up\{/.test(e))).toBe(true);
    expect(exprs.some((e) => e.includes('redis'))).toBe(true);
  });
});
