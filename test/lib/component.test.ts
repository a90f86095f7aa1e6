import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Health } from '../../lib/component.js';

/** A real pino logger writing into an array, to count what a fault logs. */
function memoryLog() {
  const lines: { level: number; msg: string; err?: { stack?: string }; context?: string }[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]); done(); } });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('Health', () => {
  it('turns a throwing or rejecting callback into a degraded component, logged once with its stack, until it recovers', async () => {
    const { log, lines } = memoryLog();
    const h = new Health('usage', log);
    h.started();
    const tick = h.guard('room usage analysis', (fail: boolean) => { if (fail) throw Object.assign(new Error('influx down'), { code: 'ECONNREFUSED' }); });
    tick(true);
    tick(true);
    await h.guard('async pass', async () => { throw new Error('still down'); })();
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.snapshot()).toMatchObject({ name: 'usage', state: 'degraded', lastError: { message: 'still down', context: 'async pass' } });
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ context: 'room usage analysis', err: { stack: expect.stringContaining('influx down') } });

    h.ok();
    expect(h.snapshot()).toMatchObject({ state: 'ok', lastError: { message: 'still down' } });
    expect(lines.filter((l) => l.level === 30).map((l) => l.msg)).toEqual(['usage: recovered']);
    h.stopped();
    h.fail(new Error('closed'), 'after stop');
    expect(h.snapshot().state).toBe('stopped');
  });
});
