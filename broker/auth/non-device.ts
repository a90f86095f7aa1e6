/**
 * Which MQTT clients are not devices: accounts that subscribe to devices' topics (today the bench subscriber,
 * broker/auth/bench-subscriber.ts; the edge and integration accounts of broker/auth/accounts.ts). Devices connect with clean sessions,
 * are in the presence hash and cross nodes as device ids (broker/cluster/join.ts); a non-device client has none of
 * that, and its subscriptions are the ones other nodes forward messages for (broker/cluster/forward.ts).
 *
 * The seam: an account kind that is not a device adds its own test to `nonDeviceClients`' list.
 */
import type { NonDeviceAccount } from './accounts.js';
import { isBenchSubscriber, type BenchSubscriber } from './bench-subscriber.js';

/** True for a client id that belongs to an account, not a device. */
export type IsNonDevice = (clientId: string) => boolean;

export function nonDeviceClients(bench: BenchSubscriber | undefined, accounts: readonly NonDeviceAccount[] = []): IsNonDevice {
  // The account kinds of broker/auth/accounts.ts (the edge account first, issue 21) own their client ids.
  const tests: IsNonDevice[] = [(id) => isBenchSubscriber(bench, id), ...accounts.map((a) => (id: string) => a.owns(id))];
  return (id) => tests.some((t) => t(id));
}
