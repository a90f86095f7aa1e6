import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Aedes, AedesPublishPacket, Client, Subscription } from 'aedes';
import { describe, expect, it } from 'vitest';
import { topics } from '../../protocol/index.js';
import { seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

/** The first shell block of docs/protocol.md's "Commands with mosquitto_sub / mosquitto_pub", pointed at `port`. */
function docExample(port: number): string {
  const doc = readFileSync('docs/protocol.md', 'utf8');
  const section = doc.slice(doc.indexOf('### Commands with `mosquitto_sub`'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.replaceAll('-h localhost -p 1883', `-h 127.0.0.1 -p ${port}`);
}

/** A device maker's board, played by the documented mosquitto commands, takes a command and answers it. */
describe('the docs/protocol.md command example, as a foreign device', () => {
  const s = useTestStack();

  it('receives the command on its cmd/# and its answer reaches InfluxDB', async () => {
    const { room } = await seedSchool(s.registry);
    const { device, secret } = await s.registry.addDevice({ kind: 'board', roomId: room.id });
    const id = device.id;
    const aedes = (s.broker as unknown as { aedes: Aedes }).aedes;
    let subscribed = false;
    const onSubscribe = (subs: Subscription[], client: Client) => {
      if (client.id === id && subs.some((x) => x.topic === topics.commandFilter(id))) subscribed = true;
    };
    aedes.on('subscribe', onSubscribe);
    const script = run('bash', ['-euc', `${docExample(s.broker!.port)}\necho "$PAYLOAD"`], { env: { ...process.env, ID: id, SECRET: secret! }, timeout: 20_000 })
      .catch((err: { code?: string; stderr?: string }) => {
        if (err.code === 'ENOENT') throw new Error('bash or mosquitto-clients missing: run `npm run setup`');
        throw new Error(`the example failed: ${err.stderr ?? String(err)}`);
      });
    try {
      await waitFor('mosquitto_sub subscribed to its cmd/#', () => subscribed);
      const commandId = 'c-7f3a9e21';
      const payload = Buffer.from(JSON.stringify({ name: 'power', args: { state: 'standby' }, expiresAt: Date.now() + 600_000 }));
      await new Promise<void>((resolve, reject) => aedes.publish({ topic: topics.command(id, commandId), payload, qos: 1, retain: false, cmd: 'publish', dup: false } as AedesPublishPacket, (err) => (err ? reject(err) : resolve())));
      const out = await script;
      // The script saw the command the server sent, and answered on its id.
      expect(JSON.parse(out.stdout.trim())).toMatchObject({ name: 'power', args: { state: 'standby' } });
      const rows = await waitFor('the answer in InfluxDB', async () => {
        const q = await s.influx.query<{ command: string; ok: boolean; message: string }>(`SELECT * FROM command_result WHERE "device" = '${id}'`);
        return q.length && q[0]!.message ? q : null;
      });
      expect(rows[0]).toMatchObject({ command: commandId, ok: true, message: 'power standby' });
    } finally {
      aedes.off('subscribe', onSubscribe);
      // On a failure above, the script still runs (up to its timeout): wait for it rather than leave it behind.
      await script.catch(() => undefined);
    }
  });
});
