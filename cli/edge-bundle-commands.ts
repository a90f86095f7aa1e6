/**
 * `edufleet edge bundle | apply | province-key`: the down direction by file (docs/edge.md, "The USB round trip, down").
 * At the province `bundle` writes a site's registry slice and waiting commands, signed and encrypted for its edge;
 * at the edge `apply` checks and applies it (safe to repeat; an older one is refused).
 */
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { applyBundleFile, showProvinceKey, writeBundleFile } from '../app/edge-bundle.js';
import { describeApplied } from '../edge/bundle.js';

export function registerBundleCommands(edge: Command, config: () => Readonly<Config>): void {
  edge.command('bundle')
    .description('at the province: write the down bundle of a site\'s edge (registry slice, commands, confirmations), signed and encrypted for that edge')
    .requiredOption('--site <code>', 'the site: its school code, or SCHOOLCODE:Site name')
    .requiredOption('--out <file>', 'where to write it (e.g. on the USB stick: /media/usb/TRUONG-2026-12-07.efb)')
    .option('--edge <id>', 'the edge, when the site has more than one')
    .option('--user <name>', 'who makes it (audit log)', 'cli')
    .option('--json', 'print JSON for scripts')
    .action(async (o: { site: string; out: string; edge?: string; user: string; json?: boolean }) => {
      const b = await writeBundleFile(config(), { site: o.site, out: o.out, edge: o.edge, byUser: o.user });
      const summary = { edge: b.header.edge, site: b.header.site, version: b.header.version, devices: b.devices, users: b.users, commands: b.commands, provinceKey: b.header.province, fingerprint: b.fingerprint };
      if (o.json) return console.log(JSON.stringify(summary));
      console.log(`bundle v${b.header.version} for edge ${b.header.edge} (site ${b.header.site}) written to ${o.out}: ${b.devices} device(s), ${b.users} user(s), ${b.commands} command(s)`);
      console.log(`province key fingerprint: ${b.fingerprint} (the technician checks it at the edge's first bundle)`);
    });

  edge.command('apply <file>')
    .description('at the edge: check a down bundle (this edge\'s, signed by the province, whole, not older) and apply it (safe to repeat)')
    .option('--province-fingerprint <hex>', 'refuse the bundle unless the province key has this fingerprint (as `edufleet edge bundle` printed it)')
    .option('--json', 'print JSON for scripts')
    .action(async (file: string, o: { provinceFingerprint?: string; json?: boolean }) => {
      const a = await applyBundleFile(config(), file, { expectFingerprint: o.provinceFingerprint });
      if (o.json) return console.log(JSON.stringify({ ...a.applied, fingerprint: a.fingerprint, pinned: a.pinned }));
      console.log(describeApplied(a.applied));
      if (a.pinned) console.log(`province key pinned: fingerprint ${a.fingerprint}; compare it with the one the province gave you (docs/edge.md)`);
    });

  edge.command('province-key')
    .description('at the province: print the key that signs down bundles and its fingerprint (made on first use)')
    .option('--json', 'print JSON for scripts')
    .action(async (o: { json?: boolean }) => {
      const k = await showProvinceKey(config());
      if (o.json) return console.log(JSON.stringify(k));
      console.log(`province key: ${k.key}\nfingerprint:  ${k.fingerprint}`);
    });
}
