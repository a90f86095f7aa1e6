/**
 * The words of alert notifications, Vietnamese first. Rule names come from domain/health-texts.ts, so the screens and
 * the e-mails say the same.
 */
import { RULE_IDS, ruleLabel, type RuleId } from '../../domain/index.js';
import { formatDay, formatHourMinute, formatDateTime, formatNumber, type Lang } from '../../lib/vn/format.js';
import type { DigestAlert, DigestData, DigestDevice } from '../../registry/index.js';
import type { AlertEvent } from '../events.js';
import { RULES } from '../rules.js';

/** A rule's name inside a sentence ("12 thiết bị mất kết nối…"): the screens' words, lower-cased unless an acronym starts them (CO₂). */
export function ruleWords(rule: string, lang: Lang): string {
  if (!(RULE_IDS as readonly string[]).includes(rule)) return rule;
  const label = ruleLabel(rule as RuleId, lang);
  const [a = '', b = ''] = label;
  return a !== a.toLowerCase() && b === b.toLowerCase() ? a.toLowerCase() + label.slice(1) : label;
}

export function valueText(rule: string, value: number | null, lang: Lang): string {
  if (value === null) return '';
  const unit = RULES[rule as RuleId]?.unit ?? '';
  const u = unit === 'count' ? (lang === 'en' ? ' times' : ' lần') : unit === 'intervals' ? (lang === 'en' ? ' intervals' : ' chu kỳ') : unit === 'min' ? (lang === 'en' ? ' min' : ' phút') : unit === 'h' ? ' h' : ` ${unit}`;
  return `${formatNumber(lang, value)}${u}`;
}

const SEVERITY = { critical: ['nghiêm trọng', 'critical'], warning: ['cảnh báo', 'warning'] } as const;
const EVENT = {
  fired: ['Cảnh báo', 'Alert'], renotify: ['Nhắc lại (chưa ai xác nhận)', 'Reminder (not acknowledged)'],
  acknowledged: ['Đã xác nhận', 'Acknowledged'], resolved: ['Đã khắc phục', 'Resolved'],
} as const;
const pick = <T>(pair: readonly [T, T], lang: Lang): T => pair[lang === 'en' ? 1 : 0];

export interface Message { subject: string; text: string }

/** One line per alert of a grouped message. */
function eventLine(e: AlertEvent, lang: Lang): string {
  const value = valueText(e.rule, e.value, lang);
  const since = lang === 'en' ? 'since' : 'từ';
  return `- [${pick(EVENT[e.type], lang)}] ${e.deviceName} (${e.deviceId}), ${e.roomName}: ${ruleWords(e.rule, lang)}${value ? ` (${value})` : ''}, `
    + `${pick(SEVERITY[e.severity], lang)}, ${since} ${formatDateTime(lang, e.startedAt)}${e.byUser ? ` — ${e.byUser}${e.comment ? `: ${e.comment}` : ''}` : ''}`;
}

/**
 * The message for the alerts of one school that reached one recipient within the group window: "12 thiết bị mất kết
 * nối … tại Trường THCS Cốc Lếu từ 09:14" for a burst of one rule, the list of devices below.
 */
export function alertMessage(events: readonly AlertEvent[], lang: Lang, dashboardUrl: string): Message {
  const first = events[0]!;
  const school = first.schoolName;
  const since = Math.min(...events.map((e) => e.startedAt));
  const hm = formatHourMinute(lang, since);
  const rules = new Set(events.map((e) => e.rule));
  const types = new Set(events.map((e) => e.type));
  const devices = new Set(events.map((e) => e.deviceId)).size;
  let subject: string;
  if (events.length === 1) {
    subject = `${pick(EVENT[first.type], lang)}: ${first.deviceName} ${ruleWords(first.rule, lang)} ${lang === 'en' ? 'at' : 'tại'} ${school}`;
  } else if (rules.size === 1 && types.size === 1) {
    const what = ruleWords(first.rule, lang);
    const done = first.type === 'resolved' ? (lang === 'en' ? 'no longer ' : 'hết ') : '';
    subject = lang === 'en' ? `${devices} devices ${done}${what} at ${school} since ${hm}` : `${devices} thiết bị ${done}${what} tại ${school} từ ${hm}`;
  } else {
    subject = lang === 'en' ? `${events.length} alert changes at ${school} since ${hm}` : `${events.length} thay đổi cảnh báo tại ${school} từ ${hm}`;
  }
  const link = dashboardUrl ? `${dashboardUrl.replace(/\/$/, '')}/#/alerts?schoolId=${first.schoolId}` : '';
  const text = [
    subject, '',
    ...events.map((e) => eventLine(e, lang)),
    '', ...(link ? [lang === 'en' ? `Open the alert inbox: ${link}` : `Mở hộp cảnh báo: ${link}`] : []),
    lang === 'en' ? 'EduFleet (times in Vietnam, Asia/Ho_Chi_Minh)' : 'EduFleet (giờ Việt Nam)',
  ].join('\n');
  return { subject, text };
}

function digestAlertLine(a: DigestAlert, lang: Lang): string {
  const value = valueText(a.rule, a.value, lang);
  const when = a.resolvedAt !== null ? `${lang === 'en' ? 'fixed' : 'khắc phục lúc'} ${formatDateTime(lang, a.resolvedAt)}` : `${lang === 'en' ? 'since' : 'từ'} ${formatDateTime(lang, a.startedAt)}`;
  return `- ${a.deviceName} (${a.deviceId}), ${a.roomName}: ${ruleWords(a.rule, lang)}${value ? ` (${value})` : ''}, ${when}`;
}

function deviceLine(d: DigestDevice, lang: Lang, what: 'life' | 'warranty'): string {
  const detail = what === 'life'
    ? (lang === 'en' ? `in service since ${formatDay(lang, d.inServiceDate)}, life ${d.serviceLifeYears} years` : `sử dụng từ ${formatDay(lang, d.inServiceDate)}, niên hạn ${d.serviceLifeYears} năm`)
    : (lang === 'en' ? `warranty ends ${formatDay(lang, d.warrantyEnd)}` : `hết bảo hành ${formatDay(lang, d.warrantyEnd)}`);
  return `- ${d.name} (${d.deviceId}), ${d.roomName}: ${detail}`;
}

/** The daily digest of one school. */
export function digestMessage(d: DigestData, day: string, lang: Lang, dashboardUrl: string): Message {
  const en = lang === 'en';
  const subject = en
    ? `Daily report ${formatDay(lang, day)}, ${d.schoolName}: ${d.open.length} open, ${d.fixed.length} fixed`
    : `Bản tin thiết bị ngày ${formatDay(lang, day)}, ${d.schoolName}: ${d.open.length} đang lỗi, ${d.fixed.length} đã khắc phục`;
  const section = (title: string, lines: string[]) => [title, ...(lines.length ? lines : [en ? '- none' : '- không có']), ''];
  const link = dashboardUrl ? `${dashboardUrl.replace(/\/$/, '')}/#/alerts?schoolId=${d.schoolId}` : '';
  const text = [
    subject, '',
    ...section(en ? 'Down now:' : 'Đang lỗi:', d.open.map((a) => digestAlertLine(a, lang))),
    ...section(en ? 'Fixed in the last 24 hours:' : 'Đã khắc phục trong 24 giờ qua:', d.fixed.map((a) => digestAlertLine(a, lang))),
    ...section(en ? 'Past their service life:' : 'Quá niên hạn sử dụng:', d.pastServiceLife.map((x) => deviceLine(x, lang, 'life'))),
    ...section(en ? 'Warranty ending by the end of next month:' : 'Hết bảo hành trước cuối tháng sau:', d.warrantyEnding.map((x) => deviceLine(x, lang, 'warranty'))),
    ...(link ? [en ? `Open EduFleet: ${link}` : `Mở EduFleet: ${link}`] : []),
    'EduFleet',
  ].join('\n');
  return { subject, text };
}
