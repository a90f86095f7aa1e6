/** The one logger factory's redaction (docs/security.md, "Logs"): what a line written through it never holds. */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { captureLog } from '../helpers/log.js';

describe('the logger', () => {
  it('writes no password, secret, token, cookie, authorization header or session id, at the top or nested', () => {
    const out = captureLog();
    const log = createLogger('info', 'edufleet', out).child({ component: 'dashboard' });
    log.info({
      password: 'mật-khẩu-1', secret: 'bi-mat-thiet-bi', token: 'the-do-luong', sid: 'phien-1', sessionId: 'phien-2',
      req: { method: 'POST', headers: { cookie: 'edufleet.sid=phien-3', authorization: 'Bearer the-2', host: 'edufleet.local' } },
      recipient: { id: 4, secret: 'khoa-webhook' }, config: { dashboard: { sessionSecret: 'khoa-phien', metricsToken: 'the-3' } },
    }, 'a line with secrets in it');
    const [line] = out.lines();
    const text = JSON.stringify(line);
    for (const secret of ['mật-khẩu-1', 'bi-mat-thiet-bi', 'the-do-luong', 'phien-1', 'phien-2', 'phien-3', 'the-2', 'khoa-webhook', 'khoa-phien', 'the-3']) {
      expect(text).not.toContain(secret);
    }
    // What an operator needs is still there.
    expect(line).toMatchObject({ component: 'dashboard', msg: 'a line with secrets in it', password: '[redacted]', req: { method: 'POST', headers: { host: 'edufleet.local' } }, recipient: { id: 4 } });
  });

  it('keeps a URL\'s host but not its password, in a URL field and in an error that quotes one', () => {
    const out = captureLog();
    const log = createLogger('info', 'edufleet', out);
    log.info({ url: 'http://edufleet:khoa-influx@127.0.0.1:8086/query?u=edufleet&p=khoa-influx-2', smtpUrl: 'smtp://gui:khoa-smtp@mail.sogddt.gov.vn:587' }, 'urls');
    log.warn({ err: new Error('cannot reach postgres://edufleet:khoa-pg@db.local:5432/edufleet') }, 'error');
    log.warn({ err: 'send failed: smtp://gui:khoa-smtp-2@mail.local' }, 'error as text');
    // A client library's error that holds its request (node-influx's RequestError after a 401).
    log.error({ err: Object.assign(new Error('401 Unauthorized'), { req: { host: '127.0.0.1', headers: { Authorization: 'Basic khoa-influx-3' } } }) }, 'refused');
    const lines = out.lines();
    const text = JSON.stringify(lines);
    for (const secret of ['khoa-influx', 'khoa-smtp', 'khoa-pg']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ url: 'http://edufleet:***@127.0.0.1:8086/query?u=edufleet&p=***', smtpUrl: 'smtp://gui:***@mail.sogddt.gov.vn:587' });
    expect(lines[1]).toMatchObject({ err: { message: 'cannot reach postgres://edufleet:***@db.local:5432/edufleet', type: 'Error' } });
    expect(lines[2]).toMatchObject({ err: 'send failed: smtp://gui:***@mail.local' });
    expect(lines[3]).toMatchObject({ err: { message: '401 Unauthorized', req: { host: '127.0.0.1', headers: { Authorization: '[redacted]' } } } });
  });
});
