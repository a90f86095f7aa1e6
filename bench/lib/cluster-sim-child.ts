/**
 * One simulator process of the cluster benchmark (bench/lib/cluster-sim.ts forks it): a StormFleet slice, so that
 * each process holds at most ~15,000 device sockets under its own open-file limit. It learns its devices and broker
 * addresses over IPC, opens them, and reports its connected count (at most every 100 ms, when it changed).
 */
import { raiseFileLimit } from '../../lib/limits.js';
import type { BenchDevice } from './fleet.js';
import { StormFleet } from './storm-fleet.js';

/** What the parent sends. */
export type SimChildRequest =
  | { type: 'open'; devices: BenchDevice[]; addresses: string[][]; localAddresses?: string[]; parallel: number }
  | { type: 'drop' }
  | { type: 'close' };

/** What the child reports. */
export type SimChildReport = { type: 'count'; connected: number; errors: number; errorKinds: Record<string, number> } | { type: 'opened' } | { type: 'closed' };

const REPORT_MS = 100;

function send(r: SimChildReport): void {
  process.send?.(r);
}

function main(): void {
  raiseFileLimit();
  let fleet: StormFleet | undefined;
  let last = -1;
  let lastErrors = 0;
  const report = setInterval(() => {
    if (fleet && (fleet.connected !== last || fleet.errors !== lastErrors)) {
      last = fleet.connected;
      lastErrors = fleet.errors;
      send({ type: 'count', connected: last, errors: fleet.errors, errorKinds: fleet.errorKinds });
    }
  }, REPORT_MS);
  process.on('message', (m: SimChildRequest) => {
    if (m.type === 'open') {
      // Addresses are given per device (their order spreads a dead node's devices over the others).
      fleet = new StormFleet(m.devices, (i) => m.addresses[i]!, m.localAddresses && ((i) => m.localAddresses![i]!));
      void fleet.open(m.devices.length, m.parallel).then(() => send({ type: 'opened' }));
    } else if (m.type === 'drop') {
      fleet?.dropFrom(0);
    } else {
      clearInterval(report);
      void (fleet?.close() ?? Promise.resolve()).then(() => {
        send({ type: 'closed' });
        process.disconnect?.();
        process.exit(0);
      });
    }
  });
  // The parent gone (a crashed benchmark): nothing else would stop this process.
  process.on('disconnect', () => process.exit(0));
}

main();
