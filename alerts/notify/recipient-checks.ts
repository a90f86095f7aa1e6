/**
 * What a recipient must be before it is saved (docs/alerts.md, "Notifications"): an e-mail recipient is one single
 * address, a webhook an http(s) URL that does not point into the server's own network (lib/net-guard.ts; checked again
 * at every send), and a school, district or the province holds at most alerts.maxRecipientsPerSchool of them, so one
 * alert fans out to a bounded number of messages. Refusals say why in Vietnamese, then English.
 */
import addressparser from 'nodemailer/lib/addressparser';
import { EdufleetError } from '../../lib/errors.js';
import { checkTarget, type Lookup } from '../../lib/net-guard.js';
import type { NotificationRecipient } from '../../registry/index.js';

/** A dot-atom addr-spec: no quoted local part, comment or display name; what every mail system takes. */
const ADDR_SPEC = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+$/;

/** The one address of an e-mail recipient, or a refusal: a list, a group or a display name is not one address. */
export function singleEmailAddress(raw: string): string {
  const input = raw.trim();
  const parsed = addressparser(input, { flatten: true });
  if (parsed.length > 1) {
    const list = parsed.map((a) => a.address).join(', ');
    throw new EdufleetError('EDUFLEET_ERR_NOTIFY_EMAIL_ADDRESS',
      `Mỗi người nhận e-mail chỉ có một địa chỉ; hãy thêm từng địa chỉ riêng (đã nhập ${parsed.length} địa chỉ: ${list}). / One address per e-mail recipient: add each one separately (got ${parsed.length}: ${list}).`);
  }
  if (parsed.length !== 1 || parsed[0]!.address !== input || !ADDR_SPEC.test(input)) {
    throw new EdufleetError('EDUFLEET_ERR_NOTIFY_EMAIL_ADDRESS', `Không phải một địa chỉ e-mail: "${input}". / Not an e-mail address: "${input}".`);
  }
  return input;
}

/**
 * Refuses a webhook URL that is not http(s) or resolves into the server's own network. A name that does not resolve
 * (yet) is let through: the check at each send decides, and the receiver may be set up after its recipient.
 */
export async function checkWebhookUrl(url: string, o: { lookup?: Lookup; allowedTargets: readonly string[]; timeoutMs: number }): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'slow'>((resolve) => { timer = setTimeout(() => resolve('slow'), o.timeoutMs); });
  const checked = await Promise.race([checkTarget(url, { lookup: o.lookup, allowedTargets: o.allowedTargets }), slow]).finally(() => clearTimeout(timer));
  if (checked === 'slow' || checked.ok || checked.refusal === 'unresolved') return url.trim();
  if (checked.refusal === 'scheme') {
    throw new EdufleetError('EDUFLEET_ERR_NOTIFY_WEBHOOK_TARGET',
      'Địa chỉ webhook phải là một URL http:// hoặc https:// không kèm tên đăng nhập hay mật khẩu. / A webhook address must be an http:// or https:// URL without a user name or password.');
  }
  throw new EdufleetError('EDUFLEET_ERR_NOTIFY_WEBHOOK_TARGET',
    'Địa chỉ webhook trỏ vào mạng nội bộ của máy chủ (loopback, mạng riêng, link-local hoặc địa chỉ của chính máy chủ) nên bị từ chối; '
    + 'quản trị viên có thể cho phép một máy nhận nội bộ tin cậy trong alerts.webhookAllowedTargets. / The webhook address points into the '
    + 'server\'s own network (loopback, private, link-local or the server\'s own address) and is refused; an admin may allow a trusted internal '
    + 'receiver in alerts.webhookAllowedTargets.');
}

/** Refuses one recipient more at a level (a school, a district, the province) that has `max` already. */
export function checkRecipientCount(existing: readonly NotificationRecipient[], at: { schoolId: number | null; districtId: number | null }, max: number): void {
  const same = existing.filter((r) => (at.schoolId !== null ? r.schoolId === at.schoolId
    : r.schoolId === null && r.districtId === at.districtId));
  if (same.length < max) return;
  const [vi, en] = at.schoolId !== null ? ['Trường này', 'This school'] : at.districtId !== null ? ['Huyện này', 'This district'] : ['Cấp tỉnh', 'The province'];
  throw new EdufleetError('EDUFLEET_ERR_NOTIFY_RECIPIENT_LIMIT',
    `${vi} đã có ${same.length} người nhận, mức tối đa (alerts.maxRecipientsPerSchool); hãy xoá bớt một người nhận trước. / ${en} already has ${same.length} recipients, the most allowed (alerts.maxRecipientsPerSchool); remove one first.`);
}
