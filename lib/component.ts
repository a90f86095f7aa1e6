import type { Logger } from './logger.js';

/**
 * The lifecycle of every long-lived part of an EduFleet process (influxd, device directory, gateway, broker, usage
 * loop, monthly reports, dashboard, simulator). The stack (app/) starts them in order and stops them in reverse;
 * `/healthz` lists their `health()`.
 */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  /** Idempotent: clears every timer, closes every socket and file; a second call returns at once. */
  stop(): Promise<void>;
  health(): ComponentHealth;
}

export type ComponentState = 'starting' | 'ok' | 'degraded' | 'stopped';

export interface ComponentHealth {
  name: string;
  state: ComponentState;
  /** ISO time the component entered this state. */
  since: string;
  /** The last error the component met (kept after it recovered, so an operator sees what happened and when). */
  lastError?: { message: string; code?: string; at: string; context: string };
  /** Counts an operator needs beside the state (the broker's refused connections by reason, say). */
  counters?: Record<string, number>;
  /** What the component wants an operator to see beside its state (the broker's connection cap, the spool's budget). */
  details?: Record<string, string | number | boolean>;
}

/**
 * A component's health, and the one place its faults are logged. A fault is logged once (with its stack) when it
 * starts and once when it ends, not on every retry: a down InfluxDB retried every second must not fill the disk
 * with log lines.
 */
export class Health {
  private state: ComponentState = 'starting';
  private since = Date.now();
  private lastError: ComponentHealth['lastError'];

  /** `onFault` hears every fault, retries included (the resource-error counter of /metrics); the log hears the first. */
  constructor(readonly name: string, private readonly log?: Logger, private readonly onFault?: (err: unknown, context: string) => void) {}

  get degraded(): boolean {
    return this.state === 'degraded';
  }

  /** Records a fault; `context` says what was being done ("spool write", "usage analysis"). */
  fail(err: unknown, context: string, extra: Record<string, unknown> = {}): void {
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (e as Error & { code?: unknown }).code;
    this.lastError = { message: e.message, ...(typeof code === 'string' ? { code } : {}), at: new Date().toISOString(), context };
    this.onFault?.(e, context);
    // After stop, work still in flight may fail (a closed spool); that is the stop, not a fault.
    if (this.state === 'degraded' || this.state === 'stopped') return;
    this.log?.error({ err: e, component: this.name, context, ...extra }, `${this.name}: ${context} failed; retrying`);
    this.move('degraded');
  }

  /** The component has started (or started again after a stop). */
  started(): void {
    this.move('ok');
  }

  /** Records that the component works (again). */
  ok(): void {
    if (this.state === 'ok' || this.state === 'stopped') return;
    if (this.state === 'degraded') this.log?.info({ component: this.name, since: new Date(this.since).toISOString() }, `${this.name}: recovered`);
    this.move('ok');
  }

  stopped(): void {
    this.move('stopped');
  }

  snapshot(): ComponentHealth {
    return { name: this.name, state: this.state, since: new Date(this.since).toISOString(), ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  /**
   * Wraps a callback that runs outside any caller's try (a timer, an event listener): an error or a rejection is
   * recorded here instead of becoming an uncaught exception that would take the whole process down.
   */
  guard<A extends unknown[]>(context: string, fn: (...args: A) => unknown): (...args: A) => void {
    return (...args: A) => {
      try {
        const r = fn(...args);
        if (r instanceof Promise) r.catch((err: unknown) => this.fail(err, context));
      } catch (err) {
        this.fail(err, context);
      }
    };
  }

  private move(state: ComponentState): void {
    this.state = state;
    this.since = Date.now();
  }
}

/**
 * `setInterval` for component work: errors go to `health` (see Health.guard) and a pass that succeeds marks it ok
 * again; a pass still running is not started twice, and the timer never holds the process open. Returns the function that stops it.
 */
export function guardedInterval(health: Health, context: string, ms: number, fn: () => unknown): () => void {
  let busy = false;
  const run = health.guard(context, async () => {
    if (busy) return;
    busy = true;
    try {
      await fn();
      health.ok();
    } finally {
      busy = false;
    }
  });
  const timer = setInterval(run, ms);
  timer.unref();
  return () => clearInterval(timer);
}
