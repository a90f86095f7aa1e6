/**
 * The managed influxd's admin credential. influxd runs with `auth-enabled = true`, so nothing on the machine (a
 * webhook aimed at loopback, another account's process) can read or drop the readings without it. The credential is
 * generated at the first start and kept in the influxd directory as a 0600 file; every later start, and every CLI
 * command on the same data directory, reads it from there.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EdufleetError } from '../errors.js';
import { writePrivateFile } from '../private-files.js';

export interface InfluxCredentials {
  username: string;
  password: string;
}

/** Beside influxdb.conf in the managed influxd's directory. */
export const CREDENTIALS_FILE = 'credentials.json';
const ADMIN_USER = 'edufleet';

/** The `Authorization` header for a direct HTTP request (`/write`, `/query`); none when there is no user. */
export function influxAuthHeader(c: { username?: string; password?: string } | undefined): Record<string, string> {
  if (!c?.username) return {};
  return { authorization: `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}` };
}

/** The credential kept in `dir` (the managed influxd's directory), if there is one. */
export function readInfluxdCredentials(dir: string): InfluxCredentials | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dir, CREDENTIALS_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let c: Partial<InfluxCredentials> | null = null;
  try {
    c = JSON.parse(text) as Partial<InfluxCredentials> | null;
  } catch {
    // reported below, without quoting the text (it may hold the password)
  }
  if (typeof c?.username !== 'string' || typeof c.password !== 'string' || !c.username) {
    throw new EdufleetError('EDUFLEET_ERR_INFLUX_CREDENTIALS', `${path.join(dir, CREDENTIALS_FILE)} must hold {"username": "…", "password": "…"} of an admin user of the managed InfluxDB`);
  }
  return { username: c.username, password: c.password };
}

/** POSTs one statement to `/query` (so `q` never sits in a URL) and returns the status. */
async function statement(url: string, q: string, c?: InfluxCredentials): Promise<number> {
  const res = await fetch(`${url}/query`, { method: 'POST', headers: influxAuthHeader(c), body: new URLSearchParams({ q }) });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Makes sure the influxd at `url` (started from `dir`) has the admin user of `dir`'s credential file, and returns
 * that credential. influxd 1.x takes one statement without authentication while it has no user at all: the one
 * that creates an admin. So a first start, and a data directory from a version without authentication (readings,
 * no users), both get their admin here, with the password written to the file before the user exists, so a crash
 * in between leaves a file that the next start completes. A server that has users but no file (lost, deleted) or
 * refuses the file's password is not guessed around: the operator is told what to do.
 */
export async function ensureAdminUser(url: string, dir: string): Promise<InfluxCredentials> {
  const file = path.join(dir, CREDENTIALS_FILE);
  let creds = readInfluxdCredentials(dir);
  // 403 "create admin user first": no user yet; 401: users exist and this request has no credential.
  const anonymous = await statement(url, 'SHOW USERS');
  if (anonymous === 403) {
    if (!creds) {
      creds = { username: ADMIN_USER, password: randomBytes(24).toString('base64url') };
      writePrivateFile(file, `${JSON.stringify(creds)}\n`, 'wx');
    }
    // The password is base64url (or the operator's own, quoted as InfluxQL quotes a string literal).
    const literal = `'${creds.password.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    const status = await statement(url, `CREATE USER "${creds.username.replace(/"/g, '\\"')}" WITH PASSWORD ${literal} WITH ALL PRIVILEGES`);
    if (status !== 200) throw new EdufleetError('EDUFLEET_ERR_INFLUX_START', `the managed InfluxDB in ${dir} did not create its admin user (HTTP ${status}); see ${path.join(dir, 'influxd.log')}`);
    return creds;
  }
  if (anonymous !== 401) throw new EdufleetError('EDUFLEET_ERR_INFLUX_START', `the managed InfluxDB in ${dir} answered HTTP ${anonymous} where it should ask for a credential; see ${path.join(dir, 'influxd.log')}`);
  if (!creds) {
    throw new EdufleetError('EDUFLEET_ERR_INFLUX_CREDENTIALS', `the managed InfluxDB in ${dir} has users but ${file} is missing: put the file back from a backup, `
      + 'or set a new admin password as docs/operations.md ("InfluxDB credential lost") describes; EduFleet does not reset it by itself');
  }
  const status = await statement(url, 'SHOW USERS', creds);
  if (status === 200) return creds;
  throw new EdufleetError('EDUFLEET_ERR_INFLUX_CREDENTIALS', `the managed InfluxDB in ${dir} refuses the user "${creds.username}" of ${file} (HTTP ${status}): `
    + 'put back the file that belongs to this data directory, or set a new admin password as docs/operations.md ("InfluxDB credential lost") describes');
}
