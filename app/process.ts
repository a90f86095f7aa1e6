import type { Config } from '../config/index.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { startStack, type ComponentName, type Stack } from './stack.js';

/**
 * A whole EduFleet process as `start` and `demo` run it: the stack with its dashboard. The web server's modules are
 * loaded only when this process runs a dashboard, so a broker+gateway node does not load Fastify.
 */
export async function startProcess(o: { config: Readonly<Config>; only?: ComponentName[]; log?: Logger }): Promise<Stack> {
  const only = o.only;
  const withDashboard = !only || only.includes('dashboard');
  const dashboard = withDashboard ? (await import('../dashboard/server/index.js')).startDashboard : undefined;
  return startStack({ config: o.config, only, dashboard, log: o.log ?? createLogger(o.config.logLevel) });
}

/** Keeps a process running until Ctrl-C / SIGTERM, then stops it cleanly; a second signal exits at once. */
export function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (sig: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`\n${sig}: stopping…\n`);
    stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}
