/**
 * The planning report as files, in Vietnamese: PDF (with its charts: utilisation by district, the weekday × period
 * heatmap, the weekly trend), XLSX (one sheet per table) and CSV (the rooms). The figures are those of
 * `usageReport` and `/api/planning`, formatted as on screen.
 */
import { createRequire } from 'node:module';
import type { PlanningResponse, RankReason, UsageFigures, UsageGroupRow, UsageReport, UsageRoomRow } from '../api/index.js';
import { formatDate, formatDay, formatMoney, formatNumber, formatPercent, formatWhole } from '../lib/vn/format.js';
import { ROOM_TYPE_LABELS, type RoomType } from '../domain/index.js';
import { SATURATED_ABOVE, UNDERUSED_BELOW } from './planning.js';
import { addDays } from '../timetable/index.js';
import { csvText, xlsxBuffer } from '../lib/sheets/write.js';

const require = createRequire(import.meta.url);
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

export type ExportFormat = 'pdf' | 'xlsx' | 'csv';
export type Progress = (done: number, total: number) => void;

// The files are in Vietnamese and format as the screen does in Vietnamese (lib/vn/format.ts).
/** dd/mm/yyyy of a local date. */
const dmy = (d: string) => formatDay('vi', d);
/** 0.452 → "45,2 %"; null → "—". */
export const pct = (x: number | null) => formatPercent('vi', x);
export const vnd = (x: number | null) => formatMoney('vi', x);
const hours = (x: number) => formatNumber('vi', x, 1);
const count = (x: number) => formatWhole('vi', x);
export const roomTypeLabel = (t: string) => ROOM_TYPE_LABELS[t as RoomType] ?? t;
const EQUIPMENT_REASONS = { past_life: 'quá niên hạn sử dụng', in_repair: 'đang sửa chữa', failing_often: 'hỏng nhiều lần (từ 2 lần sửa trong 12 tháng)' };
export const STATUS_LABELS: Record<string, string> = { underused: `Ít sử dụng (< ${pct(UNDERUSED_BELOW)})`, saturated: `Quá tải (> ${pct(SATURATED_ABOVE)})`, normal: 'Bình thường', no_timetable: 'Không có tiết', no_data: 'Không đủ dữ liệu', pending: 'Đang chờ dữ liệu từ máy trạm biên' };
const WEEKDAYS = ['', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ nhật'];
const SESSION = { m: 'Sáng', a: 'Chiều', e: 'Tối' } as Record<string, string>;
export const slotLabel = (slot: string) => `${SESSION[slot[0]!] ?? slot[0]} tiết ${slot.slice(1)}`;

/** A rank's reason in Vietnamese words. */
export function reasonText(r: RankReason): string {
  switch (r.code) {
    case 'saturated_rooms': return `${r.rooms} phòng hiện có đã quá tải: sử dụng ${pct(r.utilisation)} thời gian theo thời khoá biểu`;
    case 'busy_rooms': return `${r.rooms} phòng hiện có được sử dụng ${pct(r.utilisation)} thời gian theo thời khoá biểu`;
    case 'pupils_per_smart_room': return `${count(r.perRoom)} học sinh trên mỗi phòng học thông minh (${count(r.pupils)} học sinh, ${r.smartRooms} phòng)`;
    case 'no_smart_room': return `chưa có phòng học thông minh nào cho ${count(r.pupils)} học sinh`;
    case 'last_investment': return `lần đầu tư gần nhất năm ${r.year} (${r.yearsAgo} năm trước)`;
    case 'never_invested': return 'chưa từng được đầu tư phòng học thông minh';
  }
}

export function reportTitle(r: UsageReport, scopeName: string): string {
  return `Báo cáo sử dụng phòng và đề xuất đầu tư – ${scopeName}, ${dmy(r.from)} – ${dmy(addDays(r.to, -1))}`;
}

/** "62,0 % sử dụng trên 70,0 % thời gian có dữ liệu": utilisation with the share of time it rests on. */
export const onCoverage = (f: UsageFigures) => `${pct(f.timeUtilisation)} sử dụng trên ${pct(f.coverage)} thời gian có dữ liệu`;
/** "50 % trên 4 tiết có dữ liệu (4 tiết không đủ dữ liệu, không tính)": period utilisation with the periods it rests on. */
export const onCoveredPeriods = (f: UsageFigures) =>
  `${pct(f.periodUtilisation)} trên ${count(f.periodsCovered)} tiết có dữ liệu${f.periodsUncovered ? ` (${count(f.periodsUncovered)} tiết không đủ dữ liệu, không tính)` : ''}`;
// Coverage goes after the older columns, so a reader of the files by column keeps its places. "Tiết có sử dụng" is
// used / covered periods, as period utilisation counts them.
const figureCells = (f: UsageFigures) => [pct(f.timeUtilisation), pct(f.periodUtilisation), `${f.periodsUsed}/${f.periodsCovered}`, hours(f.usedHours), hours(f.outsideHours), pct(f.coverage), hours(f.coveredHours), count(f.periodsUncovered)];
const FIGURE_HEAD = ['Sử dụng theo thời gian (trên thời gian có dữ liệu)', 'Sử dụng theo tiết (trên tiết có dữ liệu)', 'Tiết có sử dụng / tiết có dữ liệu', 'Giờ sử dụng trong TKB', 'Giờ ngoài TKB', 'Thời gian có dữ liệu', 'Giờ TKB có dữ liệu', 'Tiết không đủ dữ liệu'];
const groupHead = (what: string) => [what, 'Số phòng', ...FIGURE_HEAD, 'Ít sử dụng', 'Quá tải', 'Không đủ dữ liệu', 'Chi phí/năm', 'Chi phí mỗi giờ sử dụng'];
const groupCells = (g: UsageGroupRow, name = g.name) => [name, String(g.rooms), ...figureCells(g.figures), String(g.underused), String(g.saturated), String(g.noData), vnd(g.annualCostVnd), vnd(g.costPerUsedHourVnd === null ? null : Math.round(g.costPerUsedHourVnd))];
// Days still expected from an edge node (usage/pending.ts) go last, after the older columns, for the same reason.
const ROOM_HEAD = ['Phòng', 'Loại phòng', 'Trường', 'Huyện/thị', ...FIGURE_HEAD, 'Đánh giá', 'Chi phí/năm', 'Chi phí mỗi giờ sử dụng', 'Ngày đang chờ dữ liệu từ máy trạm biên'];
/** "1 ngày đang chờ dữ liệu từ máy trạm biên (từ 07/12/2026), không tính". */
export const pendingText = (p: UsageRoomRow['pending']) => (p ? `${count(p.days)} ngày đang chờ dữ liệu từ máy trạm biên (từ ${dmy(p.since)}), không tính` : '');
const roomCells = (r: UsageRoomRow) => [r.roomName, roomTypeLabel(r.roomType), r.schoolName, r.districtName ?? 'Trực thuộc Sở', ...figureCells(r.figures), STATUS_LABELS[r.status] ?? r.status, vnd(r.annualCostVnd), vnd(r.costPerUsedHourVnd === null ? null : Math.round(r.costPerUsedHourVnd)), pendingText(r.pending)];
const RANK_HEAD = ['Hạng', 'Trường', 'Huyện/thị', 'Học sinh', 'Điểm', 'Đề xuất', 'Lý do'];
const rankCells = (x: PlanningResponse['ranking'][number]) => [String(x.rank), x.schoolName, x.districtName ?? 'Trực thuộc Sở', count(x.pupils), formatNumber('vi', x.score, 2, 2), x.funded ? 'Đầu tư 1 phòng' : '', x.reasons.map(reasonText).join('; ')];

/** Every table of the report, as header + rows of text (what XLSX and CSV write, and what a test reads back). */
export function reportTables(r: UsageReport, plan?: PlanningResponse): { name: string; head: string[]; rows: string[][] }[] {
  const heat = r.heatmap.map((h) => [WEEKDAYS[h.weekday] ?? String(h.weekday), slotLabel(h.slot), String(h.used), String(h.available), pct(h.available ? h.used / h.available : null)]);
  const tables = [
    { name: 'Tổng quan', head: groupHead('Phạm vi'), rows: [groupCells(r.total, 'Toàn bộ phạm vi')] },
    { name: 'Theo huyện', head: groupHead('Huyện/thị'), rows: r.districts.map((g) => groupCells(g, g.name || 'Trực thuộc Sở')) },
    { name: 'Theo trường', head: groupHead('Trường'), rows: r.schools.map((g) => groupCells(g)) },
    { name: 'Theo loại phòng', head: groupHead('Loại phòng'), rows: r.roomTypes.map((g) => groupCells(g, roomTypeLabel(g.key))) },
    { name: 'Phòng', head: ROOM_HEAD, rows: r.rooms.map(roomCells) },
    { name: 'Bản đồ nhiệt', head: ['Thứ', 'Tiết', 'Số lần có sử dụng', 'Số tiết có dữ liệu', 'Tỉ lệ'], rows: heat },
  ];
  if (plan) {
    tables.push({ name: 'Đề xuất đầu tư', head: RANK_HEAD, rows: plan.ranking.map(rankCells) });
    tables.push({ name: 'Chưa xếp hạng (thiếu dữ liệu)', head: ['Trường', 'Huyện/thị', 'Số phòng', 'Thời gian có dữ liệu', 'Lý do'],
      rows: plan.insufficientData.map((x) => [x.schoolName, x.districtName ?? 'Trực thuộc Sở', String(x.rooms), pct(x.coverage), x.pendingRooms
        ? `${x.pendingRooms} phòng đang chờ dữ liệu từ máy trạm biên: chưa đánh giá`
        : `dữ liệu thiết bị dưới ${pct(plan.minCoverage)} thời gian theo thời khoá biểu: không đủ để đánh giá`]) });
    tables.push({ name: 'Thiết bị cần thay thế', head: ['Thiết bị', 'Mã', 'Trường', 'Phòng', 'Ngày sử dụng', 'Niên hạn (năm)', 'Nguyên giá', 'Sửa chữa 12 tháng', 'Lý do'],
      rows: plan.equipment.map((e) => [e.name, e.deviceId, e.schoolName, e.roomName, e.inServiceDate ? dmy(e.inServiceDate) : '—', e.serviceLifeYears === null ? '—' : String(e.serviceLifeYears),
        vnd(e.costVnd), String(e.repairs12m), e.reasons.map((r) => EQUIPMENT_REASONS[r]).join('; ')]) });
  }
  return tables;
}

/** The rooms table as CSV (UTF-8 with BOM, so spreadsheets read the diacritics). */
export function reportCsv(r: UsageReport, onProgress?: Progress): string {
  const rows = r.rooms.map((room, i) => {
    if (i % 500 === 0) onProgress?.(i, r.rooms.length);
    return roomCells(room);
  });
  onProgress?.(r.rooms.length, r.rooms.length);
  return csvText(ROOM_HEAD, rows);
}

export async function reportXlsx(r: UsageReport, title: string, plan?: PlanningResponse, onProgress?: Progress): Promise<Buffer> {
  const tables = reportTables(r, plan);
  const total = tables.reduce((a, t) => a + t.rows.length, 0);
  let done = 0;
  const sheets = tables.map((t) => ({ name: t.name, title, header: t.head, rows: t.rows, width: 'fit' as const }));
  const buf = await xlsxBuffer(sheets, { creator: 'EduFleet', onRow: () => { if (++done % 500 === 0) onProgress?.(done, total); } });
  onProgress?.(total, total);
  return buf;
}

const A4 = { w: 595.28, h: 841.89 };
const M = 36;

/** pdfkit and its fonts, loaded on first use rather than at every process's start (a broker's restart included). */
let pdfkit: Promise<typeof import('pdfkit')> | undefined;

/** The report as an A4 PDF with its charts. */
export async function reportPdf(r: UsageReport, title: string, plan?: PlanningResponse, onProgress?: Progress): Promise<Buffer> {
  const PDFDocument = await (pdfkit ??= import('pdfkit').then((m) => m.default));
  const doc = new PDFDocument({ size: 'A4', margin: M, info: { Title: title, Creator: 'EduFleet' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.registerFont('body', FONT);
  doc.registerFont('bold', FONT_BOLD);
  const width = A4.w - 2 * M;
  const heading = (text: string) => {
    if (doc.y > A4.h - 160) doc.addPage();
    doc.moveDown(0.6).font('bold').fontSize(12).fillColor('#0f4c7d').text(text, M, doc.y, { width }).moveDown(0.3);
  };

  doc.font('bold').fontSize(15).fillColor('#000000').text(title, { width });
  doc.font('body').fontSize(9).fillColor('#555555').text(`Tạo lúc ${new Date(r.generatedAt + 7 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')} (giờ Việt Nam) bởi EduFleet. Số liệu từ thiết bị, đối chiếu với thời khoá biểu của từng trường.`, { width });

  heading('1. Tổng quan');
  const t = r.total;
  const kv: [string, string][] = [
    ['Số phòng có thiết bị', String(t.rooms)],
    ['Tỉ lệ sử dụng theo thời gian', pct(t.figures.timeUtilisation)],
    ['Thời gian theo thời khoá biểu có dữ liệu thiết bị', `${pct(t.figures.coverage)} (${hours(t.figures.coveredHours)} / ${hours(t.figures.timetabledHours)} giờ)`],
    ['Tỉ lệ sử dụng theo tiết (trên tiết có dữ liệu)', onCoveredPeriods(t.figures)],
    ['Giờ sử dụng ngoài thời khoá biểu', hours(t.figures.outsideHours)],
    [`Phòng ít sử dụng (< ${pct(UNDERUSED_BELOW)})`, String(r.flagged.underused.length)],
    [`Phòng quá tải (> ${pct(SATURATED_ABOVE)})`, String(r.flagged.saturated.length)],
    [`Phòng không đủ dữ liệu (< ${pct(r.minCoverage)} thời gian có dữ liệu, không đánh giá)`, String(r.flagged.noData.length)],
    ['Phòng đang chờ dữ liệu từ máy trạm biên (không đánh giá)', String(r.flagged.pending.length)],
    ['Phòng có ngày đang chờ dữ liệu từ máy trạm biên (các ngày đó không tính)', String(r.rooms.filter((x) => x.pending).length)],
    ['Chi phí mỗi giờ sử dụng', vnd(t.costPerUsedHourVnd === null ? null : Math.round(t.costPerUsedHourVnd))],
  ];
  if (r.lastTerm) kv.push([`Cùng kỳ học kỳ trước (${dmy(r.lastTerm.from)} – ${dmy(addDays(r.lastTerm.to, -1))})`, pct(r.lastTerm.figures.timeUtilisation)]);
  doc.font('body').fontSize(10).fillColor('#000000');
  doc.text(`Tỉ lệ sử dụng được tính trên thời gian có dữ liệu: ${onCoverage(t.figures)}; theo tiết: ${onCoveredPeriods(t.figures)}.`, M, doc.y, { width }).moveDown(0.3);
  for (const [k, v] of kv) {
    const y = doc.y;
    doc.text(k, M, y, { width: width * 0.6 });
    doc.font('bold').text(v, M + width * 0.6, y, { width: width * 0.4 }).font('body');
  }

  heading('2. Tỉ lệ sử dụng theo huyện/thị');
  barChart(doc, r.districts.map((g) => ({ label: g.name || 'Trực thuộc Sở', value: g.figures.timeUtilisation })), width);

  heading('3. Bản đồ nhiệt: thứ × tiết (tỉ lệ tiết có sử dụng)');
  heatmapChart(doc, r.heatmap, width);

  if (r.weeks.length > 1) {
    heading('4. Xu hướng theo tuần');
    barChart(doc, r.weeks.map((w) => ({ label: `Tuần ${formatDate('vi', w.week)}`, value: w.figures.timeUtilisation })), width);
  }

  const tables = reportTables(r, plan).filter((x) => x.name !== 'Tổng quan' && x.name !== 'Bản đồ nhiệt');
  const totalRows = tables.reduce((a, x) => a + x.rows.length, 0);
  let rowsDone = 0;
  tables.forEach((tb, i) => {
    heading(`${5 + i}. ${tb.name}`);
    table(doc, tb.head, tb.rows, width, () => { if (++rowsDone % 200 === 0) onProgress?.(rowsDone, totalRows); });
  });
  onProgress?.(totalRows, totalRows);
  doc.end();
  return done;
}

function barChart(doc: PDFKit.PDFDocument, bars: { label: string; value: number | null }[], width: number): void {
  const labelW = 150;
  const barW = width - labelW - 60;
  doc.font('body').fontSize(8);
  for (const b of bars) {
    if (doc.y > A4.h - M - 14) doc.addPage();
    const y = doc.y;
    doc.fillColor('#000000').text(b.label, M, y, { width: labelW - 6, lineBreak: false, ellipsis: true });
    const v = b.value ?? 0;
    const color = v > SATURATED_ABOVE ? '#c2410c' : v < UNDERUSED_BELOW ? '#7b8494' : '#1769aa';
    doc.rect(M + labelW, y, Math.max(1, v * barW), 9).fill(color);
    // The lines planners judge by.
    for (const mark of [UNDERUSED_BELOW, SATURATED_ABOVE]) doc.moveTo(M + labelW + mark * barW, y - 1).lineTo(M + labelW + mark * barW, y + 10).lineWidth(0.5).strokeColor('#999999').stroke();
    doc.fillColor('#000000').text(pct(b.value), M + labelW + barW + 6, y, { width: 54, lineBreak: false });
    doc.y = y + 13;
  }
  doc.x = M;
}

function heatmapChart(doc: PDFKit.PDFDocument, cells: UsageReport['heatmap'], width: number): void {
  if (!cells.length) {
    doc.font('body').fontSize(9).fillColor('#555555').text('Chưa có số liệu.', M, doc.y);
    return;
  }
  const days = [...new Set(cells.map((c) => c.weekday))].sort();
  const slots = [...new Set(cells.map((c) => c.slot))];
  const order = (s: string) => 'mae'.indexOf(s[0]!) * 10 + Number(s.slice(1));
  slots.sort((a, b) => order(a) - order(b));
  const labelW = 70;
  const cw = Math.min(44, (width - labelW) / slots.length);
  const ch = 16;
  if (doc.y > A4.h - M - ch * (days.length + 2)) doc.addPage();
  const y0 = doc.y;
  doc.font('body').fontSize(6.5).fillColor('#000000');
  slots.forEach((s, i) => doc.text(slotLabel(s).replace(' tiết ', ' '), M + labelW + i * cw, y0, { width: cw, align: 'center', lineBreak: false }));
  days.forEach((d, j) => {
    const y = y0 + 12 + j * ch;
    doc.fillColor('#000000').fontSize(8).text(WEEKDAYS[d] ?? String(d), M, y + 4, { width: labelW, lineBreak: false });
    slots.forEach((s, i) => {
      const c = cells.find((x) => x.weekday === d && x.slot === s);
      const share = c && c.available ? c.used / c.available : null;
      const shade: PDFKit.Mixins.ColorValue = share === null ? '#f1f3f6' : [Math.round(235 - 212 * share), Math.round(242 - 137 * share), Math.round(250 - 80 * share)];
      doc.rect(M + labelW + i * cw, y, cw - 1, ch - 1).fill(shade);
      if (share !== null) doc.fillColor(share > 0.55 ? '#ffffff' : '#000000').fontSize(6.5).text(`${Math.round(share * 100)}%`, M + labelW + i * cw, y + 4.5, { width: cw - 1, align: 'center', lineBreak: false });
    });
  });
  doc.y = y0 + 16 + days.length * ch;
  doc.x = M;
}

function table(doc: PDFKit.PDFDocument, head: string[], rows: string[][], width: number, onRow: () => void): void {
  const colW = width / head.length;
  const draw = (cells: string[], bold: boolean) => {
    doc.font(bold ? 'bold' : 'body').fontSize(6.5);
    const h = Math.max(...cells.map((c) => doc.heightOfString(c, { width: colW - 4 }))) + 4;
    if (doc.y + h > A4.h - M) doc.addPage();
    const y = doc.y;
    cells.forEach((c, i) => doc.fillColor('#000000').text(c, M + i * colW + 2, y + 2, { width: colW - 4 }));
    doc.moveTo(M, y + h).lineTo(M + width, y + h).lineWidth(0.3).strokeColor('#cccccc').stroke();
    doc.y = y + h;
  };
  draw(head, true);
  for (const row of rows) {
    draw(row, false);
    onRow();
  }
  doc.x = M;
}
