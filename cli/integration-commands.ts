/**
 * `edufleet integration …`: integration accounts, MQTT clients that are not devices (issue 22; docs/integration.md).
 * `add` prints the secret once (only its hash is kept), `list` shows every account, `revoke` ends one: its connected
 * clients are closed within a second by every broker. Each change is audited under `--user`.
 */
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { EdufleetError } from '../lib/errors.js';
import type { IntegrationAccount, RegistryStore } from '../registry/index.js';
import { openStore } from '../app/open-store.js';

interface AddOptions {
  name: string; read: string[]; write: string[]; clientId: string; district?: string; school?: string; user: string; json?: boolean;
}

const repeat = (value: string, list: string[]): string[] => [...list, value];

/** The scope an admin names by code, as the registry's ids. */
async function scopeOf(reg: RegistryStore, o: { district?: string; school?: string }): Promise<{ districtId: number | null; schoolId: number | null }> {
  if (o.district !== undefined && o.school !== undefined) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', 'give --district or --school, not both');
  if (o.district !== undefined) {
    const d = (await reg.districts()).find((x) => x.code === o.district);
    if (!d) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no district with code '${o.district}'`);
    return { districtId: d.id, schoolId: null };
  }
  if (o.school !== undefined) {
    const s = await reg.school(o.school);
    if (!s) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no school with code '${o.school}'`);
    return { districtId: null, schoolId: s.id };
  }
  return { districtId: null, schoolId: null };
}

function describe(a: IntegrationAccount): string {
  const scope = a.schoolId !== null ? `school ${a.schoolId}` : a.districtId !== null ? `district ${a.districtId}` : 'province';
  return [a.name, a.revokedAt ? 'REVOKED' : 'active', scope, `client id ${a.clientIdPattern || '(any)'}`,
    `read ${a.readPatterns.join(' ') || '-'}`, `write ${a.writePatterns.join(' ') || '-'}`].join('\t');
}

export function registerIntegrationCommands(program: Command, config: () => Readonly<Config>): void {
  const integration = program.command('integration').description('integration accounts: MQTT clients that are not devices (docs/integration.md)');

  integration.command('add')
    .description('create an account and print its secret (shown once); MQTT username = the name, password = the secret')
    .requiredOption('--name <name>', 'the account name, also its MQTT username')
    .option('--read <filter>', 'a topic filter it may read, e.g. edu/v1/+/telemetry (repeat for more)', repeat, [])
    .option('--write <filter>', 'a topic filter it may publish on, e.g. ioc/# (repeat for more)', repeat, [])
    .option('--client-id <glob>', "client ids it may use, '*' any characters (default: any, also the zero-length id)", '')
    .option('--district <code>', 'limit its reading of devices to one district')
    .option('--school <code>', 'limit its reading of devices to one school')
    .option('--user <name>', 'who creates it (audit log)', 'cli')
    .option('--json', 'print JSON for scripts')
    .action(async (o: AddOptions) => {
      const reg = await openStore(config());
      try {
        const scope = await scopeOf(reg, o);
        const { account, secret } = await reg.integrations.add({ name: o.name, readPatterns: o.read, writePatterns: o.write, clientIdPattern: o.clientId, ...scope }, o.user, Date.now());
        if (o.json) return console.log(JSON.stringify({ ...account, secret }));
        console.log(`${describe(account)}\nsecret: ${secret}\n(the secret is shown only this once; MQTT username = ${account.name}, password = the secret)`);
      } finally {
        await reg.close();
      }
    });

  integration.command('list')
    .description('every integration account, revoked ones too')
    .option('--json', 'print JSON for scripts')
    .action(async (o: { json?: boolean }) => {
      const reg = await openStore(config());
      try {
        const accounts = await reg.integrations.list();
        if (o.json) return console.log(JSON.stringify(accounts));
        for (const a of accounts) console.log(describe(a));
        console.log(`${accounts.length} integration account(s)`);
      } finally {
        await reg.close();
      }
    });

  integration.command('revoke <name>')
    .description('refuse the account from now on; brokers close its connected clients within a second')
    .option('--user <name>', 'who revokes it (audit log)', 'cli')
    .action(async (name: string, o: { user: string }) => {
      const reg = await openStore(config());
      try {
        await reg.integrations.revoke(name, o.user, Date.now());
        console.log(`integration account ${name} revoked`);
      } finally {
        await reg.close();
      }
    });
}
