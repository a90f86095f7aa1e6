/**
 * An edge appending to its forward log as fast as it can, for test/edge/forward-log.test.ts to SIGKILL at any
 * moment: prints `A <device> <q>` once an append resolved (the record is acknowledged) and `C <json>` once a confirm
 * resolved; every 40 acknowledgements it confirms half of what each device has acknowledged.
 */
import { ForwardLog } from '../../edge/forward-log.js';

const [dir = ''] = process.argv.slice(2);
const log = new ForwardLog({ dir, groupCommitMs: 1, segmentBytes: 4096 });
await log.open();
const acked = new Map<string, number>();
let count = 0;
let confirming = false;
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const d = `dev-${i % 5}`;
  const batch = [{ d, c: 'telemetry' as const, p: JSON.stringify({ ts: 1_700_000_000_000 + i, battery: i % 100 }), at: 1_700_000_000_000 + i }];
  void log.append(batch).then((recs) => {
    for (const r of recs) {
      process.stdout.write(`A ${r.d} ${r.q}\n`);
      acked.set(r.d, Math.max(acked.get(r.d) ?? 0, r.q));
    }
    if (++count % 40 === 0 && !confirming) {
      confirming = true;
      const upTo = Object.fromEntries([...acked].map(([dev, q]) => [dev, Math.floor(q / 2)]));
      void log.confirm(upTo).then(() => {
        process.stdout.write(`C ${JSON.stringify(upTo)}\n`);
        confirming = false;
      });
    }
  });
  // Several appends in flight at once, as many devices' messages are: they share group commits.
  if (i % 8 === 7) await new Promise((r) => setImmediate(r));
}
