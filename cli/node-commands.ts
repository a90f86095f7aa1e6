/** `edufleet nodes`: the nodes of a deployment on several machines, from their heartbeats in Redis. */
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { formatBytes } from '../lib/limits.js';
import { listNodes, type NodeRow } from '../app/nodes.js';

export function registerNodeCommands(program: Command, config: () => Readonly<Config>): void {
  program.command('nodes')
    .description('list the live nodes (from their heartbeats in Redis, redis.url): components, MQTT connections, unsent spool, last heartbeat')
    .option('--json', 'print JSON for scripts')
    .action(async (o: { json?: boolean }) => {
      const cfg = config();
      const rows = await listNodes(cfg, createLogger(cfg.logLevel));
      if (o.json) return console.log(JSON.stringify(rows));
      console.log(['name', 'host', 'pid', 'components', 'connections', 'spool unsent', 'oldest unsent', 'heartbeat'].join('\t'));
      for (const r of rows) console.log(row(r).join('\t'));
      console.log(`${rows.length} node(s)`);
    });
}

function row(r: NodeRow): string[] {
  const components = r.components.map((c) => (c.state === 'ok' ? c.name : `${c.name} (${c.state})`)).join(', ');
  return [
    r.name, r.host, String(r.pid), components,
    r.connections === null ? '-' : String(r.connections),
    r.spool ? formatBytes(r.spool.bytes) : '-',
    r.spool ? seconds(r.spool.oldestMs) : '-',
    `${seconds(r.ageMs)} ago`,
  ];
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
