import type { Config } from '../config/index.js';
import { prepareProcessLimits } from '../lib/limits.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { warnEdgeHeap } from './edge-heap.js';
import { ManagementServer } from './management.js';
import { startStack, type ComponentName, type Stack } from './stack.js';

/**
 * A whole EduFleet process as `start` and `demo` run it: the open-file limit raised (lib/limits.ts), then the stack
 * with its dashboard. The web server's modules are loaded only when this process runs a dashboard, so a
 * broker+gateway node does not load Fastify; such a process serves /healthz and /metrics on its management port.
 */
export async function startProcess(o: { config: Readonly<Config>; only?: ComponentName[]; log?: Logger; clearTextWarning?: boolean }): Promise<ProcessStack> {
  const only = o.only;
  const withDashboard = !only || only.includes('dashboard');
  const dashboard = withDashboard ? (await import('../dashboard/server/index.js')).startDashboard : undefined;
  const log = o.log ?? createLogger(o.config.logLevel);
  // Before anything opens a file or a socket: 20,000 devices need the hard limit, not the shell's default 1,024.
  const limits = prepareProcessLimits(o.config.mqtt, log);
  // A school's small machine: say so when the heap was not capped (app/edge-heap.ts).
  if (o.config.edge.enabled) warnEdgeHeap(log);
  const stack: ProcessStack = await startStack({ config: o.config, only, dashboard, log, limits, clearTextWarning: o.clearTextWarning });
  if (stack.dashboard) return stack;
  // No dashboard to serve /healthz and /metrics: the management port does, for HAProxy's checks and Prometheus.
  try {
    const { config, metrics, directory, gateway } = stack;
    stack.management = await stack.add(new ManagementServer({
      config, log, metrics, health: () => ({ node: config.node.name, devices: directory.size, components: stack.health(), gateway }),
    }));
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** A process's stack, with the management port when it runs no dashboard. */
export interface ProcessStack extends Stack {
  management?: ManagementServer;
}

/** How a long-running command ends: on a signal, or when it decides to. */
export interface ProcessShutdown {
  /** Aborted when stopping begins: work still provisioning or connecting gives up. */
  readonly signal: AbortSignal;
  /** Runs `fn` when stopping, before whatever was registered earlier. */
  onStop(fn: () => Promise<void> | void): void;
  /** Stops everything registered, in reverse; a second call waits for the first. Never rejects. */
  stop(): Promise<void>;
  /** Stops, then ends the process: 0 once stopped, 1 if stopping itself failed. */
  exit(): void;
}

/**
 * The one signal handler of a process: on Ctrl-C, SIGTERM or SIGHUP (closing the terminal a demo runs in should stop
 * it as cleanly as Ctrl-C) it stops what was registered, in reverse, then exits; a second signal exits at once.
 * With `onHangup` (`start`: a service has no terminal, and SIGHUP is the daemon's "reload"), SIGHUP calls it instead.
 */
export function stopOnSignal(first?: () => Promise<void>, onHangup?: () => void): ProcessShutdown {
  const ac = new AbortController();
  const stoppers: (() => Promise<void> | void)[] = first ? [first] : [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      ac.abort();
      for (const s of stoppers.reverse()) {
        try {
          await s();
        } catch (err) {
          console.error(err);
        }
      }
    })();
    return stopping;
  };
  const exit = (): void => {
    stop().then(() => process.exit(0)).catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  };
  const handler = (sig: string) => {
    if (stopping) process.exit(1);
    process.stderr.write(`\n${sig}: stopping…\n`);
    exit();
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => handler(sig));
  process.on('SIGHUP', () => (onHangup && !stopping ? onHangup() : handler('SIGHUP')));
  return { signal: ac.signal, onStop: (fn) => void stoppers.push(fn), stop, exit };
}
