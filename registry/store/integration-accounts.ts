/**
 * Integration accounts (issue 22; docs/integration.md, docs/security.md "Integration accounts"): MQTT clients that are
 * not devices, e.g. the provincial operations centre reading live telemetry. Each has a name (its MQTT username), a
 * secret (256 random bits, shown once, stored as scrypt), a client-id glob, the topic filters it may read and write,
 * and a scope (the province, one district or one school). Adding and revoking are audited; an account is never
 * deleted, so the audit log keeps naming it. The broker reloads the few rows every poll (broker/auth/integration.ts).
 */
import { INTEGRATION_NAME_PATTERN } from '../../api/constants.js';
import { filtersOverlap, isValidFilter, TOPIC_ROOT, topics } from '../../protocol/index.js';
import { DEVICE_COST, hashSecret, newSecret } from '../secrets.js';
import { changed, conflictOr, inTx, invalid, notFound, num, type Ctx } from './context.js';
import { audit } from './logs.js';

export interface IntegrationAccount {
  name: string;
  /** A glob (`*` any run of characters); '' allows any client id, the zero-length one included. */
  clientIdPattern: string;
  readPatterns: string[];
  writePatterns: string[];
  /** The scope: one district, or one school, or (both null) the whole province. */
  districtId: number | null;
  schoolId: number | null;
  createdBy: string;
  createdAt: number;
  revokedAt: number | null;
  /** When a client of it last logged in (noted by the broker at most once a minute), or null. */
  lastConnectedAt: number | null;
}

/** What the broker checks a login against: the account with its scrypt record. */
export interface IntegrationLogin extends IntegrationAccount { secretHash: string }

export interface NewIntegrationAccount {
  name: string;
  clientIdPattern?: string;
  readPatterns: readonly string[];
  writePatterns: readonly string[];
  districtId?: number | null;
  schoolId?: number | null;
}

/** Names share the MQTT username space with device ids, and so their form (protocol/topics.ts); the web form checks the same. */
export const INTEGRATION_NAME = new RegExp(INTEGRATION_NAME_PATTERN);
const MAX_PATTERNS = 32;
const MAX_PATTERN_CHARS = 256;
/** Devices' commands go through the command API (queued, audited, acknowledged): no account writes them directly. */
const DEVICE_COMMANDS = topics.commandFilter('+');
/** Every device's topics. */
const DEVICE_TOPICS = `${TOPIC_ROOT}/+/#`;
const ROOT_LEVELS = TOPIC_ROOT.split('/');
/** A broker notes an account's logins at most this often (the list shows minutes, not seconds). */
export const CONNECTED_EVERY_MS = 60_000;

const COLS = ['name', 'secret_hash', 'client_id_pattern', 'read_patterns', 'write_patterns', 'district_id', 'school_id', 'created_by', 'created_at', 'revoked_at', 'last_connected_at'] as const;
type Row = {
  name: string; secret_hash: string; client_id_pattern: string; read_patterns: string; write_patterns: string;
  district_id: number | null; school_id: number | null; created_by: string; created_at: number; revoked_at: number | null; last_connected_at: number | null;
};

const toLogin = (r: Row): IntegrationLogin => ({
  name: r.name, clientIdPattern: r.client_id_pattern, readPatterns: JSON.parse(r.read_patterns) as string[],
  writePatterns: JSON.parse(r.write_patterns) as string[], districtId: num(r.district_id), schoolId: num(r.school_id),
  createdBy: r.created_by, createdAt: Number(r.created_at), revokedAt: num(r.revoked_at), lastConnectedAt: num(r.last_connected_at), secretHash: r.secret_hash,
});
const withoutSecret = ({ secretHash: _secret, ...a }: IntegrationLogin): IntegrationAccount => a;

/** Every reason `a` cannot be stored, for one message that lists them all. */
function problems(a: NewIntegrationAccount): string[] {
  const out: string[] = [];
  if (!INTEGRATION_NAME.test(a.name)) out.push(`name '${a.name.slice(0, 80)}': 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  if ((a.clientIdPattern ?? '').length > 128) out.push('client-id pattern: at most 128 characters');
  if (a.districtId != null && a.schoolId != null) out.push('scope: one district or one school, not both');
  if (!a.readPatterns.length && !a.writePatterns.length) out.push('at least one read or write pattern');
  for (const [what, list] of [['read', a.readPatterns], ['write', a.writePatterns]] as const) {
    if (list.length > MAX_PATTERNS) out.push(`${what} patterns: at most ${MAX_PATTERNS}`);
    for (const p of list) {
      if (p.length > MAX_PATTERN_CHARS || !isValidFilter(p)) out.push(`${what} pattern '${p.slice(0, 80)}' is not an MQTT topic filter ('+' a whole level, '#' only last)`);
      // `$SYS/…` is the broker's own; a pattern starting with a wildcard never meets it anyway [MQTT-4.7.2-1].
      else if (p.startsWith('$')) out.push(`${what} pattern '${p}': topics starting with '$' are the broker's`);
      else if (what === 'write' && filtersOverlap(p, DEVICE_COMMANDS)) out.push(`write pattern '${p}' reaches devices' commands (${DEVICE_COMMANDS}): send commands through the web app or the API`);
    }
  }
  return out;
}

/** The device a pattern names in its device level (`edu/v1/<device>/…`), or undefined for a wildcard there or another root. */
function namedDevice(p: string): string | undefined {
  const levels = p.split('/');
  if (ROOT_LEVELS.some((l, i) => levels[i] !== l)) return undefined;
  const d = levels[ROOT_LEVELS.length];
  return d === undefined || d === '+' || d === '#' ? undefined : d;
}

/**
 * What an account limited to a district or a school may not have: a pattern naming a device outside its scope (it
 * would never deliver, or would speak for another school's device), or a write pattern on every device's topics (the
 * broker checks the scope on reading only; a publish has no scope check, so a scoped account writes on devices of
 * its scope by their ids).
 */
async function scopeProblems(c: Ctx, a: NewIntegrationAccount): Promise<string[]> {
  if (a.districtId == null && a.schoolId == null) return [];
  const where = a.schoolId != null ? `school ${a.schoolId}` : `district ${a.districtId}`;
  const out: string[] = [];
  for (const [what, list] of [['read', a.readPatterns], ['write', a.writePatterns]] as const) {
    for (const p of list) {
      if (!isValidFilter(p)) continue;
      const id = namedDevice(p);
      if (id !== undefined) {
        const place = await c.db.selectFrom('devices as d').innerJoin('rooms as r', 'r.id', 'd.room_id').innerJoin('sites as t', 't.id', 'r.site_id')
          .innerJoin('schools as s', 's.id', 't.school_id').select(['s.id as schoolId', 's.district_id as districtId']).where('d.id', '=', id).executeTakeFirst();
        const inside = place && (a.schoolId != null ? Number(place.schoolId) === a.schoolId : num(place.districtId) === a.districtId);
        if (!inside) out.push(`${what} pattern '${p}' names device '${id}', which is not a device of the account's ${where}`);
      } else if (what === 'write' && filtersOverlap(p, DEVICE_TOPICS)) {
        out.push(`write pattern '${p}' reaches the devices of the whole province (${DEVICE_TOPICS}); an account limited to ${where} writes on its own devices' topics, by device id`);
      }
    }
  }
  return out;
}

export class IntegrationAccountStore {
  constructor(private readonly c: Ctx) {}

  /** Stores a new account and returns it with its secret, which is shown this once and kept only as a hash. */
  async add(a: NewIntegrationAccount, byUser: string, at: number): Promise<{ account: IntegrationAccount; secret: string }> {
    const wrong = problems(a);
    if (wrong.length) throw invalid(`integration account: ${wrong.join('; ')}`);
    const secret = newSecret();
    // 256 random bits: the devices' lighter scrypt cost is plenty (registry/secrets.ts).
    const hash = await hashSecret(secret, DEVICE_COST);
    const account = await inTx(this.c, async (c) => {
      // A device with this id would log in as the account (the broker prefers the device, broker/auth/integration.ts).
      const device = await c.db.selectFrom('devices').select('id').where('id', '=', a.name).executeTakeFirst();
      if (device) throw invalid(`integration account: name '${a.name}' is a device id; choose another`);
      if (a.districtId != null && !(await c.db.selectFrom('districts').select('id').where('id', '=', a.districtId).executeTakeFirst())) throw notFound(`no district ${a.districtId}`);
      if (a.schoolId != null && !(await c.db.selectFrom('schools').select('id').where('id', '=', a.schoolId).executeTakeFirst())) throw notFound(`no school ${a.schoolId}`);
      const outside = await scopeProblems(c, a);
      if (outside.length) throw invalid(`integration account: ${outside.join('; ')}`);
      const row = {
        name: a.name, secret_hash: hash, client_id_pattern: a.clientIdPattern ?? '', read_patterns: JSON.stringify(a.readPatterns),
        write_patterns: JSON.stringify(a.writePatterns), district_id: a.districtId ?? null, school_id: a.schoolId ?? null,
        created_by: byUser, created_at: at, revoked_at: null, last_connected_at: null,
      };
      await c.db.insertInto('integration_accounts').values(row).execute()
        .catch((err: unknown) => conflictOr(err, `an integration account named '${a.name}' already exists (revoked ones keep their name)`));
      const stored = withoutSecret(toLogin(row));
      const { clientIdPattern, readPatterns, writePatterns, districtId, schoolId } = stored;
      await audit(c, byUser, 'integration.add', 'integration_account', a.name, { clientIdPattern, readPatterns, writePatterns, districtId, schoolId });
      return stored;
    });
    return { account, secret };
  }

  /** Every account, revoked ones too, by name. */
  async list(): Promise<IntegrationAccount[]> {
    return (await this.logins()).map(withoutSecret);
  }

  async get(name: string): Promise<IntegrationAccount | undefined> {
    const r = await this.c.db.selectFrom('integration_accounts').select(COLS).where('name', '=', name).executeTakeFirst();
    return r && withoutSecret(toLogin(r));
  }

  /** Every account with its scrypt record, for the broker's periodic reload (a handful of rows). */
  async logins(): Promise<IntegrationLogin[]> {
    return (await this.c.db.selectFrom('integration_accounts').select(COLS).orderBy('name').execute()).map(toLogin);
  }

  /** Notes that a client of the account logged in at `at`, unless noted less than CONNECTED_EVERY_MS before. */
  async noteConnected(name: string, at: number): Promise<void> {
    await this.c.db.updateTable('integration_accounts').set({ last_connected_at: at }).where('name', '=', name)
      .where((eb) => eb.or([eb('last_connected_at', 'is', null), eb('last_connected_at', '<=', at - CONNECTED_EVERY_MS)])).execute();
  }

  /** Revokes an account: refused from now on, and its connected clients dropped within the broker's poll. */
  async revoke(name: string, byUser: string, at: number): Promise<void> {
    await inTx(this.c, async (c) => {
      const r = await c.db.updateTable('integration_accounts').set({ revoked_at: at }).where('name', '=', name).where('revoked_at', 'is', null).executeTakeFirst();
      if (!changed(r)) {
        if (!(await new IntegrationAccountStore(c).get(name))) throw notFound(`no integration account '${name}'`);
        return;
      }
      await audit(c, byUser, 'integration.revoke', 'integration_account', name, {});
    });
  }
}
