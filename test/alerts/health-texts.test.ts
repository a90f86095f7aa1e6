import { describe, expect, it } from 'vitest';
import { RULE_IDS, reasonText, ruleLabel, type HealthReason } from '../../domain/index.js';

const r = (rule: HealthReason['rule'], value?: number, field?: string): HealthReason =>
  ({ rule, severity: 'warning', ...(value !== undefined ? { value } : {}), ...(field ? { field } : {}) });

describe('health texts', () => {
  it('every rule has a Vietnamese and an English label', () => {
    for (const rule of RULE_IDS) {
      expect(ruleLabel(rule, 'vi')).not.toBe(ruleLabel(rule, 'en'));
      expect(ruleLabel(rule, 'vi').length).toBeGreaterThan(3);
    }
    expect(ruleLabel('board_overheat', 'vi')).toBe('Bảng quá nóng');
  });

  it('says each reason in Vietnamese with Vietnamese number grouping', () => {
    expect(reasonText(r('board_overheat', 67), 'vi', { threshold: 60 })).toBe('Bảng quá nóng: 67 °C (ngưỡng 60 °C)');
    expect(reasonText(r('offline_school_hours', 25), 'vi')).toBe('Mất kết nối 25 phút trong giờ học');
    expect(reasonText(r('low_battery', 9, 'battery'), 'vi')).toBe('Pin yếu 9 % và không sạc');
    expect(reasonText(r('low_battery', 8, 'rightController'), 'vi')).toBe('Pin tay cầm phải yếu 8 %');
    expect(reasonText(r('co2_high', 1820), 'vi')).toBe('CO₂ 1.820 ppm trong phòng có người');
    expect(reasonText(r('no_data', 6), 'vi')).toBe('Không có dữ liệu (bỏ lỡ 6 chu kỳ)');
    expect(reasonText(r('sensor_stuck', 4, 'humidity'), 'vi')).toBe('Giá trị cảm biến không đổi 4 giờ (độ ẩm)');
    expect(reasonText(r('error_events', 5), 'vi')).toBe('5 lỗi trong 1 giờ');
    expect(reasonText(r('rejected_readings', 12), 'vi')).toBe('12 bản tin bị từ chối trong 1 giờ');
    expect(reasonText(r('clock_skew', 7), 'vi')).toBe('Đồng hồ lệch 7 phút');
    expect(reasonText(r('reconnect_storm', 14), 'vi')).toBe('Kết nối lại 14 lần trong 1 giờ');
    expect(reasonText(r('room_hot', 36.4), 'vi', { threshold: 35 })).toBe('Phòng quá nóng: 36,4 °C (ngưỡng 35 °C)');
    expect(reasonText(r('error_events', 3), 'vi', { windowMin: 30 })).toBe('3 lỗi trong 30 phút');
  });

  it('says them in English on the switch, with English grouping and plurals', () => {
    expect(reasonText(r('board_overheat', 67), 'en', { threshold: 60 })).toBe('Board overheating: 67 °C (limit 60 °C)');
    expect(reasonText(r('co2_high', 1820), 'en')).toBe('CO₂ 1,820 ppm in an occupied room');
    expect(reasonText(r('error_events', 1), 'en')).toBe('1 error in 1 hour');
    expect(reasonText(r('reconnect_storm', 14), 'en', { windowMin: 120 })).toBe('Reconnected 14 times in 2 hours');
    expect(reasonText(r('low_battery', 10, 'leftController'), 'en')).toBe('Left controller battery low: 10 %');
  });

  it('a reason without a value is the rule name', () => {
    expect(reasonText(r('no_data'), 'vi')).toBe('Không có dữ liệu');
  });
});
