/**
 * Alert notification recipients and the attempts log (docs/alerts.md, "Notifications"). A technician manages the
 * recipients of the schools (or districts) in scope, an admin anywhere; every change is audited. A webhook's
 * secret is shown once, in the answer to its creation or to its rotation. What a recipient may be (one e-mail
 * address, a webhook outside the server's own network, a bounded number per school) is alerts/notify's to say.
 */
import type { FastifyPluginAsync } from 'fastify';
import { checkRecipientCount, checkWebhookUrl, newWebhookSecret, singleEmailAddress } from '../../../alerts/notify/index.js';
import type { NotificationAttemptView, RecipientView, RotatedSecretResponse } from '../../../api/index.js';
import { EdufleetError } from '../../../lib/errors.js';
import type { NotificationRecipient, User } from '../../../registry/index.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize, userScope } from '../scope.js';


const view = (r: NotificationRecipient): RecipientView => ({
  id: r.id, schoolId: r.schoolId, districtId: r.districtId, minSeverity: r.minSeverity, channel: r.channel, address: r.address,
  language: r.language, digest: r.digest, createdBy: r.createdBy, createdAt: new Date(r.createdAt).toISOString(),
});

export const notificationRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  /** Whether `user` may manage recipients at this level: a school in scope, a district in scope, the province (admins). */
  const mayManage = async (user: User, r: { schoolId: number | null; districtId: number | null }): Promise<boolean> => {
    if (user.role === 'admin') return true;
    if (r.schoolId !== null) {
      const school = (await deps.registry.schools()).find((s) => s.id === r.schoolId);
      if (!school) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no school ${r.schoolId}`);
      authorize(user, 'alerts.configure', { schoolId: school.id, districtId: school.districtId });
      return true;
    }
    authorize(user, 'alerts.configure');
    return r.districtId !== null && (userScope(user)?.districtIds ?? []).includes(r.districtId);
  };
  const guard = async (req: Parameters<typeof currentUser>[0]) => {
    await requireUser(req);
    authorize(currentUser(req), 'alerts.configure');
  };
  const visible = async (user: User) => {
    const out: NotificationRecipient[] = [];
    for (const r of await deps.registry.recipients()) if (await mayManage(user, r).catch(() => false)) out.push(r);
    return out;
  };

  app.get<Route<'GET /api/notifications/recipients'>>('/notifications/recipients', { config: { access: 'alerts.configure' }, preHandler: guard, schema: schemaOf('GET /api/notifications/recipients') }, async (req) => (await visible(currentUser(req))).map(view));

  app.post<Route<'POST /api/notifications/recipients'>>('/notifications/recipients', { config: { access: 'alerts.configure' }, preHandler: guard, schema: schemaOf('POST /api/notifications/recipients') }, async (req, reply) => {
    const user = currentUser(req);
    const b = req.body;
    if (!(await mayManage(user, b))) {
      throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', b.districtId === null ? 'province-wide recipients are for admins' : `district ${b.districtId} is outside your scope`);
    }
    const a = deps.config.alerts;
    const address = b.channel === 'email' ? singleEmailAddress(b.address)
      : await checkWebhookUrl(b.address, { allowedTargets: a.webhookAllowedTargets, timeoutMs: a.webhookTimeoutMs, ...(deps.webhookLookup ? { lookup: deps.webhookLookup } : {}) });
    const districtId = b.schoolId === null ? b.districtId : null;
    checkRecipientCount(await deps.registry.recipients(), { schoolId: b.schoolId, districtId }, a.maxRecipientsPerSchool);
    const secret = b.channel === 'webhook' ? newWebhookSecret() : null;
    const r = await deps.registry.addRecipient({ ...b, address, districtId, secret, createdBy: user.username }, deps.clock.now());
    await deps.registry.audit(user.username, 'notification.recipient.add', 'notification_recipient', r.id, { ...b });
    return reply.status(201).send({ ...view(r), ...(secret ? { secret } : {}) });
  });

  app.delete<Route<'DELETE /api/notifications/recipients/:id'>>('/notifications/recipients/:id', { config: { access: 'alerts.configure' }, preHandler: guard, schema: schemaOf('DELETE /api/notifications/recipients/:id') }, async (req) => {
    const user = currentUser(req);
    const r = await deps.registry.recipient(req.params.id);
    if (!r) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no notification recipient ${req.params.id}`);
    if (!(await mayManage(user, r))) throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', 'this recipient is outside your scope');
    await deps.registry.removeRecipient(r.id, deps.clock.now());
    await deps.registry.audit(user.username, 'notification.recipient.remove', 'notification_recipient', r.id, { address: r.address });
    return { id: r.id, removed: true as const };
  });

  app.post<Route<'POST /api/notifications/recipients/:id/secret'>>('/notifications/recipients/:id/secret', { config: { access: 'alerts.configure' }, preHandler: guard,
    schema: schemaOf('POST /api/notifications/recipients/:id/secret') }, async (req): Promise<RotatedSecretResponse> => {
    const user = currentUser(req);
    const r = await deps.registry.recipient(req.params.id);
    if (!r) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no notification recipient ${req.params.id}`);
    if (!(await mayManage(user, r))) throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', 'this recipient is outside your scope');
    if (r.channel !== 'webhook') throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'only a webhook has a signing secret');
    const secret = newWebhookSecret();
    if (!(await deps.registry.setRecipientSecret(r.id, secret))) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no notification recipient ${r.id}`);
    // The secret itself never reaches the audit log: who rotated which webhook, and when.
    await deps.registry.audit(user.username, 'notification.recipient.rotate-secret', 'notification_recipient', r.id, { address: r.address });
    return { id: r.id, secret };
  });

  app.get<Route<'GET /api/notifications/attempts'>>('/notifications/attempts', { config: { access: 'alerts.configure' },
    preHandler: guard, schema: schemaOf('GET /api/notifications/attempts'),
  }, async (req): Promise<NotificationAttemptView[]> => {
    const mine = (await visible(currentUser(req))).map((r) => r.id).filter((id) => req.query.recipientId === undefined || id === req.query.recipientId);
    const rows = await deps.registry.notificationAttempts({ recipientIds: mine, limit: req.query.limit ?? 200 });
    return rows.map((a) => ({ ...a, at: new Date(a.at).toISOString() }));
  });
};
