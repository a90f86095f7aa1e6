import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { brokerPublicUrl } from '../../../config/index.js';
import { EdufleetError } from '../../../lib/errors.js';
import type { Device, DeviceRecordInput, RoomPlace, User } from '../../../registry/index.js';
import type { CredentialsResponse, DeviceRecord, IssuedCredentials } from '../../../api/index.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize, requireVisible, type Action } from '../scope.js';

/** null clears a field; the registry takes undefined as "leave it". */
const toRecordInput = (body: Record<string, unknown>): DeviceRecordInput & { roomId?: number } =>
  Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'issueCredentials' && k !== 'kind')) as DeviceRecordInput & { roomId?: number };

/**
 * Device records and provisioning:
 * GET /api/devices/:id/record, POST /api/devices, PATCH /api/devices/:id (edit, move), POST /api/devices/:id/retire,
 * POST /api/devices/:id/maintenance; POST /api/devices/:id/credentials (issue or rotate, shown once),
 * POST /api/devices/:id/revoke, POST /api/provision (a room's or a school's devices), GET /api/labels.pdf.
 */
export const recordRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const reg = deps.registry;
  const placeOf = async (roomId: number): Promise<RoomPlace | undefined> => (await reg.roomPlaces([roomId])).get(roomId);
  const placeOfRoom = async (user: User, roomId: number): Promise<RoomPlace> => requireVisible(user, await placeOf(roomId), `room ${roomId}`);
  const placeOfSchool = async (user: User, schoolId: number) => {
    const ref = await reg.places.ref('school', schoolId);
    return requireVisible(user, ref && { schoolId: ref.id, districtId: ref.districtId }, `school ${schoolId}`);
  };
  /** The device, if it exists and the user may see it, with where it is. */
  const visibleDevice = async (user: User, id: string): Promise<{ device: Device; place: RoomPlace }> => {
    const device = await reg.device(id);
    if (!device) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no device '${id}'`);
    return { device, place: requireVisible(user, await placeOf(device.roomId), `device '${id}'`) };
  };
  const writable = async (req: FastifyRequest, id: string, action: Action) => {
    const user = currentUser(req);
    const found = await visibleDevice(user, id);
    authorize(user, action, found.place);
    return { user, ...found };
  };
  const audit = (req: FastifyRequest, action: string, id: string, detail: object = {}) => reg.audit(currentUser(req).username, action, 'device', id, detail);
  /** Revocations and new secrets reach the broker now, not at the next poll: the device is dropped at once. */
  const refresh = () => deps.directory.refresh();
  const mqttUrl = () => brokerPublicUrl(deps.config, deps.broker?.port);
  const issued = (d: Device, secret: string): IssuedCredentials => ({ deviceId: d.id, name: d.name, code: d.code, secret });

  const recordOf = async (d: Device, place: RoomPlace): Promise<DeviceRecord> => ({
    id: d.id, kind: d.kind, name: d.name, code: d.code, model: d.model, manufacturer: d.manufacturer, serial: d.serial, roomId: d.roomId,
    inServiceDate: d.inServiceDate, costVnd: d.costVnd, fundingSource: d.fundingSource, warrantyEnd: d.warrantyEnd,
    serviceLifeYears: d.serviceLifeYears, state: d.state, notes: d.notes, createdAt: d.createdAt,
    hasCredentials: d.hasSecret && d.revokedAt === null, revokedAt: d.revokedAt,
    place: { roomName: place.roomName, siteName: place.siteName, schoolId: place.schoolId, schoolName: place.schoolName, districtId: place.districtId, districtName: place.districtName },
    maintenance: await reg.maintenance(d.id),
    history: (await reg.auditLog({ entity: 'device', entityId: d.id, limit: 100 })).entries,
  });

  app.get<Route<'GET /api/devices/:id/record'>>('/devices/:id/record', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/devices/:id/record') }, async (req) => {
    const { device, place } = await visibleDevice(currentUser(req), req.params.id);
    return recordOf(device, place);
  });

  app.post<Route<'POST /api/devices'>>('/devices', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('POST /api/devices') }, async (req, reply) => {
    const user = currentUser(req);
    const place = await placeOfRoom(user, req.body.roomId);
    authorize(user, 'records.write', place);
    if (req.body.issueCredentials) authorize(user, 'devices.provision', place);
    const { device, secret } = await reg.addDevice({ ...toRecordInput(req.body), kind: req.body.kind, roomId: req.body.roomId, issueSecret: req.body.issueCredentials ?? false });
    await audit(req, 'device.create', device.id, { ...toRecordInput(req.body), kind: device.kind, credentials: Boolean(secret) });
    await refresh();
    const body: { record: DeviceRecord } & Partial<CredentialsResponse> = { record: await recordOf(device, place) };
    if (secret) Object.assign(body, { mqttUrl: mqttUrl(), credentials: [issued(device, secret)] });
    return reply.status(201).send(body);
  });

  app.patch<Route<'PATCH /api/devices/:id'>>('/devices/:id', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('PATCH /api/devices/:id') }, async (req) => {
    const { user, device } = await writable(req, req.params.id, 'records.write');
    const patch = toRecordInput(req.body);
    if (patch.roomId !== undefined && patch.roomId !== device.roomId) authorize(user, 'records.write', await placeOfRoom(user, patch.roomId));
    const retiring = patch.state === 'retired' && device.state !== 'retired';
    if (retiring) delete patch.state;
    let updated = await reg.updateDevice(device.id, patch);
    if (retiring) updated = await reg.retireDevice(device.id);
    await audit(req, retiring ? 'device.retire' : 'device.update', device.id, req.body);
    await refresh();
    return recordOf(updated, (await placeOf(updated.roomId))!);
  });

  app.post<Route<'POST /api/devices/:id/retire'>>('/devices/:id/retire', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('POST /api/devices/:id/retire') }, async (req) => {
    const { device } = await writable(req, req.params.id, 'records.write');
    const updated = await reg.retireDevice(device.id);
    await audit(req, 'device.retire', device.id);
    await refresh();
    return recordOf(updated, (await placeOf(updated.roomId))!);
  });

  app.post<Route<'POST /api/devices/:id/maintenance'>>('/devices/:id/maintenance', { config: { access: 'user' },
    preHandler: requireUser, schema: schemaOf('POST /api/devices/:id/maintenance'),
  }, async (req, reply) => {
    const { user, device } = await writable(req, req.params.id, 'records.write');
    await reg.addMaintenance(device.id, user.username, req.body.text);
    await audit(req, 'device.maintenance', device.id, { text: req.body.text });
    return reply.status(201).send({ maintenance: await reg.maintenance(device.id) });
  });

  app.post<Route<'POST /api/devices/:id/credentials'>>('/devices/:id/credentials', { config: { access: 'user', noStore: true }, preHandler: requireUser, schema: schemaOf('POST /api/devices/:id/credentials') }, async (req): Promise<CredentialsResponse> => {
    const { device } = await writable(req, req.params.id, 'devices.provision');
    if (device.state === 'retired') throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `device '${device.id}' is retired; put it back in use before issuing credentials`);
    const secret = await reg.rotateSecret(device.id);
    await audit(req, device.hasSecret ? 'device.rotate' : 'device.credentials', device.id);
    await refresh();
    return { mqttUrl: mqttUrl(), credentials: [issued(device, secret)] };
  });

  app.post<Route<'POST /api/devices/:id/revoke'>>('/devices/:id/revoke', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('POST /api/devices/:id/revoke') }, async (req) => {
    const { device } = await writable(req, req.params.id, 'devices.provision');
    await reg.revokeDevice(device.id);
    await audit(req, 'device.revoke', device.id);
    await refresh();
    return { id: device.id, revoked: true };
  });

  app.post<Route<'POST /api/provision'>>('/provision', { config: { access: 'user', noStore: true }, preHandler: requireUser, schema: schemaOf('POST /api/provision') }, async (req): Promise<CredentialsResponse> => {
    const user = currentUser(req);
    const { roomId, schoolId, rotateExisting } = req.body;
    if ((roomId === undefined) === (schoolId === undefined)) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'give exactly one of roomId or schoolId');
    if (roomId !== undefined) authorize(user, 'devices.provision', await placeOfRoom(user, roomId));
    else authorize(user, 'devices.provision', await placeOfSchool(user, schoolId!));
    const devices = (await reg.listDevices({ roomId, schoolId })).devices.filter((d) => d.state !== 'retired' && (rotateExisting || !d.hasSecret));
    const credentials: IssuedCredentials[] = [];
    for (const d of devices) credentials.push(issued(d, await reg.rotateSecret(d.id)));
    await reg.audit(user.username, 'device.provision', roomId !== undefined ? 'room' : 'school', String(roomId ?? schoolId), { devices: credentials.map((c) => c.deviceId), rotateExisting: Boolean(rotateExisting) });
    await refresh();
    return { mqttUrl: mqttUrl(), credentials };
  });

  app.get<Route<'GET /api/labels.pdf'>>('/labels.pdf', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/labels.pdf') }, async (req, reply) => {
    const user = currentUser(req);
    const { roomId, schoolId, deviceId } = req.query;
    let devices: Device[];
    if (deviceId) devices = [(await writable(req, deviceId, 'devices.provision')).device];
    else if (roomId !== undefined) {
      authorize(user, 'devices.provision', await placeOfRoom(user, roomId));
      devices = (await reg.listDevices({ roomId })).devices;
    } else if (schoolId !== undefined) {
      authorize(user, 'devices.provision', await placeOfSchool(user, schoolId));
      devices = (await reg.listDevices({ schoolId })).devices;
    } else throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'give one of deviceId, roomId or schoolId');
    devices = devices.filter((d) => d.state !== 'retired');
    const places = await reg.roomPlaces(devices.map((d) => d.roomId));
    // Loaded with the first labels asked for: pdfkit and its fonts held 4 to 5 MiB of heap (10 MiB of RSS) in every
    // dashboard that never prints one, an edge node's included (docs/edge.md "Small machines").
    const { labelsPdf } = await import('../labels-pdf.js');
    const pdf = await labelsPdf(devices.map((d) => ({ deviceId: d.id, name: d.name, schoolName: places.get(d.roomId)?.schoolName ?? '', roomName: places.get(d.roomId)?.roomName ?? '' })), mqttUrl());
    return reply.type('application/pdf').header('content-disposition', 'inline; filename="nhan-thiet-bi.pdf"').send(pdf);
  });
};
