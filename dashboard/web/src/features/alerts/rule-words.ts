/**
 * Rules in words. A local fallback until domain/health-texts.ts (ruleLabel / reasonText, written by the SIGNALS
 * helper) lands; then this file should re-export from there.
 */
import type { Lang } from '../../../../../lib/vn/format.js';
import type { RuleId } from '../../../../../domain/index.js';

const WORDS: Record<RuleId, [vi: string, en: string]> = {
  offline_school_hours: ['Mất kết nối trong giờ học', 'Offline during school hours'],
  low_battery: ['Pin yếu', 'Low battery'],
  board_overheat: ['Bảng quá nóng', 'Board overheating'],
  co2_high: ['CO₂ cao', 'High CO₂'],
  room_hot: ['Phòng quá nóng', 'Room too hot'],
  no_data: ['Không gửi dữ liệu', 'No data'],
  sensor_stuck: ['Cảm biến đứng giá trị', 'Sensor stuck'],
  error_events: ['Lỗi lặp lại', 'Repeated errors'],
  rejected_readings: ['Nhiều số đo bị từ chối', 'Many rejected readings'],
  clock_skew: ['Lệch đồng hồ', 'Clock skew'],
  reconnect_storm: ['Kết nối lại liên tục', 'Reconnect storm'],
};

export const ruleLabel = (lang: Lang, rule: RuleId): string => WORDS[rule][lang === 'vi' ? 0 : 1];
