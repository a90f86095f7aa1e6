/**
 * `edufleet edge …`: the sneakernet up (docs/edge.md). At the edge: `keys` prints its public keys for the province's
 * admin, `export` writes the signed file. At the province: `add` registers an edge, `list` and `revoke`, `import`
 * applies a file (idempotently: a second import of the same file says "0 new").
 */
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { registerBundleCommands } from './edge-bundle-commands.js';
import { createLogger } from '../lib/logger.js';
import { exportEdgeFile, importEdgeFileAt, showEdgeKeys } from '../app/edge.js';
import { openStore } from '../app/open-store.js';
import { describeImport } from '../edge/sneakernet.js';
import { registerEdge } from '../edge/register.js';

export function registerEdgeCommands(program: Command, config: () => Readonly<Config>): void {
  const edge = program.command('edge').description('edge nodes of sites with a bad network or none (docs/edge.md)');
  registerBundleCommands(edge, config);

  edge.command('keys')
    .description('at the edge: print its id and public keys (made on first use), for `edufleet edge add` at the province')
    .option('--json', 'print JSON for scripts')
    .action((o: { json?: boolean }) => {
      const k = showEdgeKeys(config());
      if (o.json) return console.log(JSON.stringify(k));
      console.log(`edge id:  ${k.id}\nsign key: ${k.signKey}\nbox key:  ${k.boxKey}`);
    });

  edge.command('export')
    .description('at the edge: write every record not yet confirmed by the province to one signed, compressed file')
    .requiredOption('--out <file>', 'where to write it (e.g. on the USB stick: /media/usb/TRUONG-2026-12-07.efe)')
    .option('--json', 'print JSON for scripts')
    .action(async (o: { out: string; json?: boolean }) => {
      const h = await exportEdgeFile(config(), o.out);
      if (o.json) return console.log(JSON.stringify({ edge: h.edge, site: h.site, createdAt: h.createdAt, count: h.count, ranges: h.ranges, bytes: h.body.bytes }));
      console.log(`${h.count} record(s) of ${Object.keys(h.ranges).length} device(s) written to ${o.out} (edge ${h.edge}, site ${h.site})`);
    });

  edge.command('import <file>')
    .description('at the province: verify an edge export file and apply what is new in it (safe to repeat)')
    .option('--user <name>', 'who imports (audit log)', 'cli')
    .option('--json', 'print JSON for scripts')
    .action(async (file: string, o: { user: string; json?: boolean }) => {
      const cfg = config();
      // The progress line goes to stderr: stdout stays the result (JSON for scripts).
      const s = await importEdgeFileAt(cfg, file, {
        byUser: o.user, log: createLogger(cfg.logLevel), onProgress: (done, total) => process.stderr.write(`\rimported ${done}/${total} record(s)`),
      });
      process.stderr.write('\n');
      if (o.json) return console.log(JSON.stringify(s));
      console.log(`edge ${s.edge}, site ${s.site}: ${s.records} record(s) in the file: ${describeImport(s)}`);
      for (const m of s.malformed.slice(0, 20)) console.log(`  record ${m.position}: ${m.error}`);
      if (s.refusedDevices.length) console.log(`  refused: devices not on the edge's site: ${s.refusedDevices.join(', ')}`);
    });

  edge.command('add')
    .description('at the province: register an edge of a site with the public keys `edufleet edge keys` printed there')
    .requiredOption('--site <code>', 'the site: its school code, or SCHOOLCODE:Site name')
    .requiredOption('--name <name>', 'a name people know it by')
    .requiredOption('--sign-key <base64>', 'the edge\'s Ed25519 public key')
    .requiredOption('--box-key <base64>', 'the edge\'s X25519 public key')
    .option('--user <name>', 'who registers it (audit log)', 'cli')
    .action(async (o: { site: string; name: string; signKey: string; boxKey: string; user: string }) => {
      const reg = await openStore(config());
      try {
        const e = await registerEdge(reg, { site: o.site, name: o.name, signKey: o.signKey, boxKey: o.boxKey }, { byUser: o.user, at: Date.now() });
        console.log(`edge ${e.id} (${e.name}) registered for site ${o.site}`);
      } finally {
        await reg.close();
      }
    });

  edge.command('list')
    .description('at the province: the registered edges, their last contact and what they last reported')
    .option('--json', 'print JSON for scripts')
    .action(async (o: { json?: boolean }) => {
      const reg = await openStore(config());
      try {
        const edges = await reg.edges.list();
        if (o.json) return console.log(JSON.stringify(edges));
        const when = (t: number | null | undefined) => (t ? new Date(t).toISOString() : '-');
        for (const e of edges) {
          console.log([e.id, e.name, `site ${e.siteId}`, e.revokedAt ? 'REVOKED' : 'active', `last contact ${when(e.lastContactAt)}`, `complete until ${when(e.lastReport?.completeUntil)}`].join('\t'));
        }
        console.log(`${edges.length} edge(s)`);
      } finally {
        await reg.close();
      }
    });

  edge.command('revoke <id>')
    .description('at the province: refuse this edge\'s files (and later its link) from now on')
    .option('--user <name>', 'who revokes it (audit log)', 'cli')
    .action(async (id: string, o: { user: string }) => {
      const reg = await openStore(config());
      try {
        await reg.edges.revoke(id, o.user, Date.now());
        console.log(`edge ${id} revoked`);
      } finally {
        await reg.close();
      }
    });
}
