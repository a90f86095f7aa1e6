import { EventEmitter } from 'node:events';
import type { Logger } from './logger.js';

/** An EventEmitter whose events are typed by a map; listeners that throw are logged, never fatal to the emitter. */
export class TypedEmitter<Events extends Record<string, unknown[]>> {
  private readonly ee = new EventEmitter();
  constructor(private readonly log?: Logger) {
    this.ee.setMaxListeners(100);
  }
  on<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): () => void {
    const wrapped = (...args: Events[K]) => {
      try {
        listener(...args);
      } catch (err) {
        this.log?.error({ err, event }, 'listener failed');
      }
    };
    this.ee.on(event, wrapped as (...a: unknown[]) => void);
    return () => this.ee.off(event, wrapped as (...a: unknown[]) => void);
  }
  emit<K extends keyof Events & string>(event: K, ...args: Events[K]): void {
    this.ee.emit(event, ...args);
  }
}
