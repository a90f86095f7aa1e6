import { describe, expect, it } from 'vitest';
import { toLine } from '../../gateway/line-protocol.js';

describe('line protocol for the spool', () => {
  it('sorts and escapes tags, keeps numbers and booleans bare and quotes strings', () => {
    const line = toLine({ m: 'telemetry_board', t: { school: '3', device: 'b 1,x=y' }, f: { temperature: 41.5, power: 'on', touches: 12, ok: true }, ts: 1700000000123 });
    expect(line).toBe('telemetry_board,device=b\\ 1\\,x\\=y,school=3 temperature=41.5,power="on",touches=12,ok=true 1700000000123');
  });

  it('escapes quotes in strings and never lets a line break into the newline-delimited spool', () => {
    const line = toLine({ m: 'event', t: { device: 'd' }, f: { message: 'say "hi"\\\nnext\r\nline' }, ts: 1 });
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).toBe('event,device=d message="say \\"hi\\"\\\\ next  line" 1');
  });
});
