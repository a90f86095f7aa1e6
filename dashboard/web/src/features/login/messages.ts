/** Messages of the login, Vietnamese first; i18n.ts merges every feature's into one dictionary. */
const vi = {
  'login.title': 'Đăng nhập',
  'login.username': 'Tên đăng nhập',
  'login.password': 'Mật khẩu',
  'login.submit': 'Đăng nhập',
  'login.busy': 'Đang đăng nhập…',
  'login.bad': 'Sai tên đăng nhập hoặc mật khẩu.',
  'login.failed': 'Không đăng nhập được: {message}',
  'login.limited': 'Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.',
};

export const loginMessages = {
  vi,
  en: {
    'login.title': 'Log in',
    'login.username': 'User name',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.busy': 'Logging in…',
    'login.bad': 'Wrong user name or password.',
    'login.failed': 'Could not log in: {message}',
    'login.limited': 'Too many login attempts. Please try again in a few minutes.',
  } satisfies Record<keyof typeof vi, string>,
};
