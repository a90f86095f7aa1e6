import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, writePrivateFile } from '../../lib/private-files.js';

export const SESSION_SECRET_FILE = 'session-secret';

/**
 * The configured cookie-signing secret, or one generated on first start and kept in `dataDir/session-secret`
 * (mode 0600), so that sessions survive restarts and dashboard processes sharing the data directory agree.
 * Created with O_EXCL: when two processes start at once, the second reads what the first wrote.
 */
export function sessionSecret(configured: string, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, SESSION_SECRET_FILE);
  ensurePrivateDir(dataDir);
  try {
    writePrivateFile(file, randomBytes(48).toString('base64url') + '\n', 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} holds fewer than 32 characters; delete it to have a new secret generated`);
  return secret;
}
