import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates { ca: string; cert: string; key: string }

/**
 * A CA and a server certificate for 127.0.0.1 / localhost signed by it, made with Debian's openssl (EC keys: quick).
 * `name` prefixes the files, so two sets can share a directory (a certificate and its replacement).
 */
export async function makeCertificates(dir: string, name = ''): Promise<TestCertificates> {
  const f = (n: string) => path.join(dir, `${name}${n}`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=EduFleet test CA']);
  await run('openssl', ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf')]);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

/**
 * A TLS handshake with 127.0.0.1:`port` (certificate not verified: the fingerprint is what is compared), with the
 * protocol versions given; resolves with the SHA-256 fingerprint of the certificate the server presented and the
 * version agreed, or rejects with the handshake's error (a server's refusal: ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION).
 */
export function handshake(port: number, versions: { min?: tls.SecureVersion; max?: tls.SecureVersion } = {}): Promise<{ fingerprint: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: versions.min ?? 'TLSv1', maxVersion: versions.max ?? 'TLSv1.3',
      // OpenSSL's default security level would refuse TLSv1/1.1 on the client's side before the server could.
      ciphers: 'DEFAULT@SECLEVEL=0',
    }, () => {
      const r = { fingerprint: s.getPeerCertificate().fingerprint256, protocol: s.getProtocol() };
      s.destroy();
      resolve(r);
    });
    s.once('error', reject);
  });
}
