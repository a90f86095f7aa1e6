/**
 * The edge's side of the down direction that needs its forward log (docs/edge.md): a bundle is applied to the
 * registry by whichever process takes it (`edufleet edge apply`, or the link's `onBundle`), but only the running edge
 * process holds the forward log, so this component, inside it, carries the rest over: it appends an `outcome` record
 * for every command of the province that reached a final state at the edge (delivered and answered, failed, or
 * expired on the way), and hands the q the province confirmed (from the last bundle) to `ForwardLog.confirm`, which
 * compacts the log. A crash between appending and moving the cursor appends an outcome twice: harmless, the province
 * records the first final state.
 */
import { guardedInterval, Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import { EDGE_META, type OutcomeCursor, type RegistryStore } from '../registry/index.js';
import type { ForwardLog } from './forward-log.js';
import { outcomeRecord } from './outcomes.js';

export interface EdgeDownlinkOptions {
  registry: RegistryStore;
  log: ForwardLog;
  logger?: Logger;
  /** How often to look for new outcomes and confirmations. */
  intervalMs: number;
}

export class EdgeDownlink implements Component {
  readonly name = 'edge-downlink';
  private readonly healthState: Health;
  private stopTimer: (() => void) | undefined;
  private confirmedSent = '';

  constructor(private readonly o: EdgeDownlinkOptions) {
    this.healthState = new Health(this.name, o.logger);
  }

  async start(): Promise<void> {
    await this.sync();
    this.stopTimer = guardedInterval(this.healthState, 'edge downlink sync', this.o.intervalMs, () => this.sync());
    this.healthState.started();
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    this.healthState.stopped();
  }

  health(): ComponentHealth {
    return this.healthState.snapshot();
  }

  /** One pass: outcomes appended, confirmations handed on. Returns how many outcomes it appended. */
  async sync(): Promise<number> {
    let appended = 0;
    for (;;) {
      const cursor = await this.o.registry.edgeSlices.meta<OutcomeCursor>(EDGE_META.outcomes);
      const list = await this.o.registry.edgeSlices.provinceOutcomes(cursor, 500);
      if (!list.length) break;
      await this.o.log.append(list.map(outcomeRecord));
      const last = list.at(-1)!;
      await this.o.registry.edgeSlices.setMeta(EDGE_META.outcomes, { at: last.at, id: last.id } satisfies OutcomeCursor);
      appended += list.length;
    }
    const confirmed = (await this.o.registry.edgeSlices.meta<Record<string, number>>(EDGE_META.confirmed)) ?? {};
    const text = JSON.stringify(confirmed);
    if (text !== this.confirmedSent && Object.keys(confirmed).length) {
      await this.o.log.confirm(confirmed);
      this.confirmedSent = text;
    }
    return appended;
  }
}
