/** Messages of the import flow, users and roles, and the audit log (keys import.*, users.*, audit.*). */
const vi = {
  'nav.import': 'Nhập danh sách',
  'nav.users': 'Người dùng',
  'nav.audit': 'Nhật ký thay đổi',
  'import.title': 'Nhập danh sách thiết bị',
  'users.title': 'Người dùng và vai trò',
  'audit.title': 'Nhật ký thay đổi',
};
export const adminMessages = {
  vi,
  en: {
    'nav.import': 'Import',
    'nav.users': 'Users',
    'nav.audit': 'Audit log',
    'import.title': 'Import a device list',
    'users.title': 'Users and roles',
    'audit.title': 'Audit log',
  } satisfies Record<keyof typeof vi, string>,
};
