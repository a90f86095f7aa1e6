import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.js';

/** The accept queue of a listening socket, as the kernel reports it (`ss -ltn`: Send-Q is the backlog). */
function backlogOf(port: number): number {
  const out = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
  const cols = out.trim().split(/\s+/);
  return Number(cols[2]);
}

/** broker/listeners.ts: the MQTT listeners ask the kernel for a deep accept queue (a reconnect storm overflows Node's 511). */
describe('the MQTT listen backlog', () => {
  let s: TestStack;
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));

  beforeAll(async () => {
    s = await startTestStack({ overrides: { mqtt: { listenBacklog: 3000 } } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it("is mqtt.listenBacklog (within the kernel cap), not Node's default of 511", () => {
    expect(backlogOf(s.broker!.port)).toBe(Math.min(3000, somaxconn));
    expect(backlogOf(s.broker!.wsPort)).toBe(Math.min(3000, somaxconn));
  });
});
