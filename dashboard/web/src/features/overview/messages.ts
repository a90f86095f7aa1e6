/** Messages of the fleet overview, Vietnamese first; i18n.ts merges every feature's into one dictionary. */
const vi = {
  'overview.title': 'Tổng quan thiết bị',
  'overview.total': 'Tổng số thiết bị',
  'overview.online': 'Trực tuyến',
  'overview.offline': 'Ngoại tuyến',
  'overview.problems': 'Có sự cố',
  'overview.byKind': 'Theo loại thiết bị',
  'overview.bySchool': 'Theo trường',
  'overview.school': 'Trường',
  'overview.totalShort': 'Tổng',
  'overview.updated': 'Cập nhật lúc {time}',
  'overview.noLive': 'Tiến trình này không chạy gateway nên chưa có trạng thái trực tiếp của thiết bị.',
  'overview.noSchools': 'Chưa có trường nào trong phạm vi của bạn.',
  'overview.problemBreakdown': 'Sự cố theo loại',
};

export const overviewMessages = {
  vi,
  en: {
    'overview.title': 'Fleet overview',
    'overview.total': 'Devices',
    'overview.online': 'Online',
    'overview.offline': 'Offline',
    'overview.problems': 'With problems',
    'overview.byKind': 'By device kind',
    'overview.bySchool': 'By school',
    'overview.school': 'School',
    'overview.totalShort': 'Total',
    'overview.updated': 'Updated at {time}',
    'overview.noLive': 'This process runs no gateway, so there is no live device state yet.',
    'overview.noSchools': 'No school within your scope yet.',
    'overview.problemBreakdown': 'Problems by type',
  } satisfies Record<keyof typeof vi, string>,
};
