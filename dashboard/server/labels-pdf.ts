import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

export interface DeviceLabel {
  deviceId: string;
  name: string;
  schoolName: string;
  roomName: string;
}

/** What a label's QR code holds: enough for a set-up app to point the device at its broker under its own id. */
export function labelPayload(deviceId: string, brokerUrl: string): string {
  return JSON.stringify({ id: deviceId, broker: brokerUrl });
}

// A font with Vietnamese glyphs: PDF's standard Helvetica has no "ệ" or "ơ".
const require = createRequire(import.meta.url);
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

const A4 = { w: 595.28, h: 841.89 };
const COLS = 2;
const ROWS = 8;
const MARGIN = 24;

/**
 * A printable A4 sheet of labels (2 × 8 a page) for boards and tablet carts: the device's name, id, school and room,
 * and a QR code with the device id and the broker address. No secret is printed: it is shown once on screen.
 */
export async function labelsPdf(labels: DeviceLabel[], brokerUrl: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, autoFirstPage: false, info: { Title: 'EduFleet – nhãn thiết bị', Creator: 'EduFleet' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.registerFont('body', FONT);
  doc.registerFont('bold', FONT_BOLD);
  const cellW = (A4.w - 2 * MARGIN) / COLS;
  const cellH = (A4.h - 2 * MARGIN) / ROWS;
  const qrSize = Math.min(cellH - 18, 84);
  for (let i = 0; i < labels.length; i++) {
    const slot = i % (COLS * ROWS);
    if (slot === 0) doc.addPage();
    const l = labels[i]!;
    const x = MARGIN + (slot % COLS) * cellW;
    const y = MARGIN + Math.floor(slot / COLS) * cellH;
    doc.lineWidth(0.5).strokeColor('#999999').rect(x + 2, y + 2, cellW - 4, cellH - 4).stroke();
    const png = await QRCode.toBuffer(labelPayload(l.deviceId, brokerUrl), { errorCorrectionLevel: 'M', margin: 1, width: 240 });
    doc.image(png, x + 8, y + (cellH - qrSize) / 2, { width: qrSize, height: qrSize });
    const tx = x + 14 + qrSize;
    const tw = cellW - qrSize - 22;
    doc.fillColor('#000000').font('bold').fontSize(10).text(l.name, tx, y + 12, { width: tw, height: 26, ellipsis: true });
    doc.font('body').fontSize(9).text(l.deviceId, tx, y + 40, { width: tw, lineBreak: false, ellipsis: true });
    doc.fontSize(8).fillColor('#333333').text(l.schoolName, tx, y + 56, { width: tw, lineBreak: false, ellipsis: true });
    doc.text(l.roomName, tx, y + 70, { width: tw, lineBreak: false, ellipsis: true });
  }
  if (labels.length === 0) doc.addPage().font('body').fontSize(12).text('Không có thiết bị nào / No devices');
  doc.end();
  return done;
}
