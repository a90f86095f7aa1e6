import type { FastifyPluginAsync } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { SendCommandInput, type CommandView } from '../../../api/index.js';
import { parseCommand } from '../../../protocol/index.js';
import type { CommandRecord, RegistryStore, User } from '../../../registry/index.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize, requireVisible, userScope } from '../scope.js';

/** Long enough for a device that is briefly offline; short enough that a stale command does not act hours later. */
const DEFAULT_TTL_S = 600;

const view = (c: CommandRecord): CommandView => c;

async function deviceFor(reg: RegistryStore, user: User, id: string) {
  const device = await reg.device(id);
  if (!device) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no device '${id}'`);
  const place = requireVisible(user, (await reg.roomPlaces([device.roomId])).get(device.roomId), `device '${id}'`);
  return { device, place };
}

const sendCheck = TypeCompiler.Compile(SendCommandInput);

/**
 * Sends one command to one device for `user`: the ONE path of POST /api/devices/:id/commands and the Socket.IO
 * `command` event, so both check, validate, audit and publish alike. Throws coded errors (404, 403, 400).
 */
export async function sendCommand(deps: Pick<DashboardDeps, 'registry' | 'clock' | 'kickCommands'>, user: User, deviceId: string, input: SendCommandInput): Promise<CommandView> {
  if (!sendCheck.Check(input)) {
    const first = [...sendCheck.Errors(input)][0];
    throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', first ? `${first.path || 'body'}: ${first.message}` : 'invalid command');
  }
  const reg = deps.registry;
  const { device, place } = await deviceFor(reg, user, deviceId);
  authorize(user, 'commands.send', place);
  const parsed = parseCommand(device.kind, { name: input.name, ...(input.args ? { args: input.args } : {}) });
  if (!parsed.ok) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', parsed.error);
  const at = deps.clock.now();
  const expiresAt = at + (input.ttlSeconds ?? DEFAULT_TTL_S) * 1000;
  const id = await reg.transaction(async (tx) => {
    const [cid] = await tx.enqueueCommands([{ deviceId: device.id, name: parsed.value.name, args: parsed.value.args, createdAt: at, expiresAt, origin: { by: 'user', username: user.username } }]);
    await tx.audit(user.username, 'command.send', 'device', device.id, { commandId: cid, name: parsed.value.name, args: parsed.value.args, expiresAt });
    return cid!;
  });
  await deps.kickCommands?.(device.id);
  return view((await reg.command(id))!);
}

/**
 * Remote commands to one device (docs/commands.md). Sending and cancelling need commands.send on the device's school;
 * both are audited. The command is stored first (the registry is the queue); a broker in this process publishes it
 * at once if the device is subscribed to it, the node holding it when told through Redis (`redis.url`), any other
 * broker at its next sweep.
 */
export const commandRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const reg = deps.registry;
  const now = () => deps.clock.now();

  app.post<Route<'POST /api/devices/:id/commands'>>('/devices/:id/commands', { config: { access: 'user' },
    preHandler: requireUser, schema: schemaOf('POST /api/devices/:id/commands'),
  }, async (req, reply) => reply.status(201).send(await sendCommand(deps, currentUser(req), req.params.id, req.body)));

  app.get<Route<'GET /api/devices/:id/commands'>>('/devices/:id/commands', { config: { access: 'user' },
    preHandler: requireUser, schema: schemaOf('GET /api/devices/:id/commands'),
  }, async (req) => {
    const me = currentUser(req);
    const { device } = await deviceFor(reg, me, req.params.id);
    const o: { limit?: number; scope?: ReturnType<typeof userScope> } = { scope: userScope(me) };
    if (req.query.limit !== undefined) o.limit = req.query.limit;
    return (await reg.commandsOfDevice(device.id, o)).map(view);
  });

  app.post<Route<'POST /api/commands/:id/cancel'>>('/commands/:id/cancel', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('POST /api/commands/:id/cancel') }, async (req) => {
    const me = currentUser(req);
    const cmd = await reg.command(req.params.id);
    if (!cmd) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no command '${req.params.id}'`);
    const school = await reg.places.ref('school', cmd.schoolId);
    authorize(me, 'commands.send', { schoolId: cmd.schoolId, districtId: school?.districtId ?? null });
    const done = await reg.transaction(async (tx) => {
      const ok = await tx.cancelCommand(cmd.id, me.username, now());
      if (ok) await tx.audit(me.username, 'command.cancel', 'device', cmd.deviceId, { commandId: cmd.id });
      return ok;
    });
    if (!done) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `command ${cmd.id} is ${cmd.state}; only a queued or undelivered command can be cancelled`);
    return view((await reg.command(cmd.id))!);
  });
};
