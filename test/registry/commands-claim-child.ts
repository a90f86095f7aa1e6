/**
 * One process claiming schedule fires (test/registry/commands-schedules.test.ts): it opens the registry, says
 * `ready`, and on the line `go <scheduleId> <owner> <fireAt,…>` claims them all at once and answers with the
 * fire times it won, as one JSON line.
 */
import readline from 'node:readline';
import { openRegistryStore } from '../../registry/index.js';

const [dataDir = '', url = ''] = process.argv.slice(2);
const registry = await openRegistryStore({ url, dataDir });
process.stdout.write('ready\n');
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [, scheduleId, owner, times = ''] = line.split(' ');
  try {
    const fireAts = times.split(',').map(Number);
    const won = await Promise.all(fireAts.map((fireAt) => registry.claimFire({ scheduleId: Number(scheduleId), fireAt, owner: owner!, at: fireAt })));
    process.stdout.write(`${JSON.stringify({ won: fireAts.filter((_, i) => won[i]) })}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`);
  }
}
await registry.close();
