/**
 * A background job's leader lease (docs/operations.md, "Background jobs"): of all the processes that run a job, the
 * one holding its lease in the registry works and the others stand by. The holder renews it every third of its
 * length, while it works too; a process that dies stops renewing, its lease runs out, and the next try of a standby
 * takes it over (within the length plus a third). A registry that cannot be reached counts as not held: a holder
 * cut off from the registry stops before another may have taken over.
 *
 * Leases are measured on the wall clock of each process (keep the machines on NTP), never on a component's injected
 * clock: a test that drives the alert engine at a fixed time still needs the lease to run out in real time.
 */
import { randomUUID } from 'node:crypto';
import type { ComponentHealth, Health } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import type { RegistryStore } from './store/index.js';

export interface JobLeaseOptions {
  registry: Pick<RegistryStore, 'holdLease' | 'releaseLease'>;
  /** The job, e.g. 'job:alerts'. */
  name: string;
  /** This process's name in the lease (see `leaseOwner`). */
  owner: string;
  /** How long a take or a renewal holds (ms). */
  ttlMs: number;
  log: Logger;
  /** The wall clock (tests may pass their own). */
  now?: () => number;
}

/** A lease owner: the node's name, and a suffix that tells two stacks apart (a restart, or two stacks in one test). */
export function leaseOwner(nodeName: string): string {
  return `${nodeName}/${randomUUID().slice(0, 8)}`;
}

export class JobLease {
  /** Wall-clock time until which the last take or renewal holds; 0 when not held. */
  private heldUntil = 0;
  private lastTry = -Infinity;
  private trying: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private onTake: (() => void) | undefined;
  private readonly now: () => number;

  constructor(private readonly o: JobLeaseOptions) {
    this.now = o.now ?? Date.now;
  }

  get name(): string { return this.o.name; }
  get owner(): string { return this.o.owner; }

  /** Whether this process holds the lease, as its last take or renewal says (no registry call). */
  get held(): boolean {
    return this.now() < this.heldUntil;
  }

  /**
   * Takes or renews the lease when the last try is a third of its length old (else answers from that try): true while
   * this process holds it. Rejects when the registry fails (and then counts as not held).
   */
  hold(): Promise<boolean> {
    if (this.now() - this.lastTry < this.o.ttlMs / 3) return Promise.resolve(this.held);
    this.trying ??= this.tryHold().finally(() => { this.trying = undefined; });
    return this.trying;
  }

  /**
   * Tries every third of the lease's length until `stop()`: the standby's take-over and the holder's renewal, while
   * it works too. `onTake` runs each time this process has just taken the lease, by this timer or by a job's own
   * `hold()` (the job catches up on what it missed); its errors and the registry's go to `health`.
   */
  keep(health: Health, onTake: () => unknown): void {
    if (this.timer) return;
    this.onTake = health.guard(`taking over ${this.o.name}`, onTake);
    const tick = health.guard(`keeping the lease ${this.o.name}`, () => this.hold());
    this.timer = setInterval(tick, Math.max(1, Math.floor(this.o.ttlMs / 3)));
    this.timer.unref();
    tick();
  }

  /** Stops trying and gives the lease back if held, so a standby takes over at once rather than when it runs out. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.onTake = undefined;
    await this.trying?.catch(() => undefined);
    if (!this.held) return;
    this.heldUntil = 0;
    await this.o.registry.releaseLease(this.o.name, this.o.owner, this.now())
      .catch((err: unknown) => this.o.log.warn({ err, lease: this.o.name }, 'lease not given back; it runs out by itself'));
  }

  /** A component's health with whether this process holds the job (/healthz). */
  annotate(h: ComponentHealth): ComponentHealth {
    return { ...h, details: { ...h.details, lease: this.o.name, leaseOwner: this.o.owner, leaseHeld: this.held } };
  }

  private async tryHold(): Promise<boolean> {
    const now = this.now();
    this.lastTry = now;
    const was = this.held;
    let won: boolean;
    try {
      won = await this.o.registry.holdLease(this.o.name, this.o.owner, now, this.o.ttlMs);
    } catch (err) {
      this.heldUntil = 0;
      throw err;
    }
    this.heldUntil = won ? now + this.o.ttlMs : 0;
    if (won && !was) {
      this.o.log.info({ lease: this.o.name, owner: this.o.owner }, 'job lease taken: this process runs the job');
      this.onTake?.();
    }
    if (!won && was) this.o.log.warn({ lease: this.o.name, owner: this.o.owner }, 'job lease lost: another process runs the job now');
    return won;
  }
}
