/** Messages of room usage, the budget planner and timetables (keys usage.*, planning.*, timetable.*). */
const vi = {
  'nav.usage': 'Sử dụng phòng',
  'nav.planning': 'Đề xuất đầu tư',
  'usage.title': 'Sử dụng phòng học theo thời khoá biểu',
  'planning.title': 'Đề xuất đầu tư phòng học thông minh',
  'timetable.title': 'Thời khoá biểu',
};
export const usageMessages = {
  vi,
  en: {
    'nav.usage': 'Room usage',
    'nav.planning': 'Investment planning',
    'usage.title': 'Room usage against the timetable',
    'planning.title': 'Where the next smart classrooms should go',
    'timetable.title': 'Timetable',
  } satisfies Record<keyof typeof vi, string>,
};
