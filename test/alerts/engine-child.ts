/**
 * One alert engine in its own process (test/alerts/engine-race.test.ts): for every line `<ms>` on stdin it runs
 * one pass at that time and answers with the events its listener saw, as one JSON line.
 */
import readline from 'node:readline';
import { AlertEngine } from '../../alerts/engine.js';
import type { AlertEvent } from '../../alerts/events.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../lib/logger.js';
import { DeviceDirectory, openRegistryStore } from '../../registry/index.js';

const [dataDir = '', url = ''] = process.argv.slice(2);
const registry = await openRegistryStore({ url, dataDir });
const directory = new DeviceDirectory(registry);
await directory.refresh();
let now = 0;
let events: AlertEvent[] = [];
const engine = new AlertEngine({
  config: loadConfig({ env: {}, overrides: { dataDir } }), registry, directory, clock: { now: () => now }, log: createLogger('silent'),
  listeners: [async (_tx, e) => { events.push(e); }],
});
process.stdout.write('ready\n');
for await (const line of readline.createInterface({ input: process.stdin })) {
  now = Number(line);
  events = [];
  try {
    await engine.runOnce(now);
    process.stdout.write(`${JSON.stringify({ events })}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`);
  }
}
await registry.close();
