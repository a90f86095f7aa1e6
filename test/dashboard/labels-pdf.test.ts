import { execFile } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { labelsPdf } from '../../dashboard/server/labels-pdf.js';
import { tempDir } from '../helpers/stack.js';

const run = promisify(execFile);

async function tool(cmd: string, args: string[]): Promise<string> {
  try {
    return (await run(cmd, args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new Error(`${cmd} is not installed: run \`npm run setup\` (Debian packages poppler-utils, zbar-tools)`);
    throw err;
  }
}

describe('printable device labels', () => {
  const dir = tempDir('edufleet-labels-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints 16 labels a page with Vietnamese names, and QR codes holding the device id and the broker address', async () => {
    const labels = Array.from({ length: 23 }, (_, i) => ({
      deviceId: `tablet-${String(i + 1).padStart(2, '0')}`,
      name: `Máy tính bảng học sinh ${i + 1}`,
      schoolName: 'Trường THPT Chuyên Lào Cai',
      roomName: 'Phòng học thông minh 1',
    }));
    const pdf = await labelsPdf(labels, 'mqtt://so-gddt-laocai.vn:1883');
    const file = path.join(dir, 'labels.pdf');
    writeFileSync(file, pdf);

    const info = await tool('pdfinfo', [file]);
    expect(info).toMatch(/Pages:\s+2/);
    const text = await tool('pdftotext', [file, '-']);
    expect(text).toContain('Máy tính bảng học sinh 1');
    expect(text).toContain('Trường THPT Chuyên Lào Cai');
    expect(text).toContain('tablet-23');

    await tool('pdftoppm', ['-r', '200', '-f', '1', '-l', '1', '-png', file, path.join(dir, 'page')]);
    const png = readdirSync(dir).find((f) => f.startsWith('page') && f.endsWith('.png'))!;
    const decoded = (await tool('zbarimg', ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', path.join(dir, png)])).trim().split('\n');
    const payloads = decoded.map((l) => JSON.parse(l) as { id: string; broker: string });
    expect(payloads).toHaveLength(16);
    expect(new Set(payloads.map((p) => p.broker))).toEqual(new Set(['mqtt://so-gddt-laocai.vn:1883']));
    expect(payloads.map((p) => p.id).sort()).toEqual(labels.slice(0, 16).map((l) => l.deviceId).sort());
  });
});
