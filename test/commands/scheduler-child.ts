/**
 * A second EduFleet process running a Scheduler (test/commands/scheduler-processes.test.ts): it opens the registry,
 * says `ready`, and on the line `start <ms>` starts its scheduler with the clock at that time, on `tick <ms>` moves
 * its clock there and ticks; it answers each line with `ok <owner>` or `error <message>`.
 */
import readline from 'node:readline';
import { Scheduler } from '../../commands/index.js';
import { loadConfig } from '../../config/index.js';
import { can } from '../../dashboard/server/scope.js';
import { createLogger } from '../../lib/logger.js';
import { openRegistryStore } from '../../registry/index.js';

const [dataDir = '', url = ''] = process.argv.slice(2);
const registry = await openRegistryStore({ url, dataDir });
let now = 0;
const scheduler = new Scheduler({
  config: loadConfig({ env: {}, overrides: { dataDir, logLevel: 'silent', commands: { scheduleReloadMs: 3_600_000 } } }),
  registry, clock: { now: () => now }, log: createLogger('silent'), mayCommand: (user, school) => can(user, 'commands.send', school),
});
process.stdout.write('ready\n');
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [verb, ms] = line.split(' ');
  try {
    now = Number(ms);
    if (verb === 'start') await scheduler.start();
    else await scheduler.tick();
    process.stdout.write(`ok ${scheduler.owner}\n`);
  } catch (err) {
    process.stdout.write(`error ${String(err)}\n`);
  }
}
await scheduler.stop();
await registry.close();
