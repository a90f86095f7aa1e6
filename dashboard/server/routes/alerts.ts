import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import type { AlertEvent } from '../../../alerts/events.js';
import type { AlertView, BulkAckResponse } from '../../../api/index.js';
import type { AlertChange, RegistryStore, User } from '../../../registry/index.js';
import { currentUser, requireUser } from '../auth.js';
import { validateOverride, ruleViews } from '../alert-overrides.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize, can, userScope, type Action } from '../scope.js';

const toEvent = (type: AlertEvent['type'], c: AlertChange, comment: string | null): AlertEvent => {
  const a = c.alert;
  return {
    type, alertId: a.id, rule: a.rule, severity: a.severity, state: a.state, deviceId: a.deviceId, deviceName: a.deviceName, kind: a.kind,
    roomId: a.roomId, roomName: a.roomName, schoolId: a.schoolId, schoolName: a.schoolName, districtId: a.districtId, value: a.value,
    field: a.field, startedAt: a.startedAt, at: a.updatedAt, byUser: type === 'acknowledged' ? a.ackedBy : a.resolvedBy, comment,
  };
};
const view = ({ districtId: _d, ...v }: AlertChange['alert']): AlertView => v;
const gone = (what: string) => new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no ${what}`);

/**
 * The alert inbox, silences and rule overrides (docs/alerts.md). Reading needs alerts.read, changing an alert or a
 * silence alerts.act, rules alerts.configure; every one is scoped: an alert, silence or override of a school outside
 * the user's scope answers 403 (it exists) or stays out of lists.
 */
export const alertRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const reg = deps.registry;
  const now = () => deps.clock.now();
  const need = (action: Action) => async (req: FastifyRequest) => {
    await requireUser(req);
    authorize(currentUser(req), action);
  };
  const notify = async (tx: RegistryStore, event: AlertEvent) => {
    for (const l of deps.alertListeners ?? []) await l(tx, event);
  };
  const schoolPlace = async (schoolId: number) => {
    const s = (await reg.schools()).find((x) => x.id === schoolId);
    if (!s) throw gone(`school ${schoolId}`);
    return { schoolId: s.id, districtId: s.districtId };
  };
  /**
   * A silence hides a school's alerts, and a forgotten one hides them for good: beyond alerts.maxSilenceH (a week by
   * default) only an admin may set one. A silence in the past stays the registry's 400.
   */
  const maxSilenceH = deps.config.alerts.maxSilenceH;
  const mayLastThatLong = (user: User, lengthMs: number) => {
    if (user.role === 'admin' || lengthMs <= maxSilenceH * 3_600_000) return;
    throw new EdufleetError('EDUFLEET_ERR_ALERT_SILENCE_LENGTH',
      `a silence may last at most ${maxSilenceH} hours (alerts.maxSilenceH${maxSilenceH % 24 === 0 ? `, ${maxSilenceH / 24} days` : ''}); only an admin may set a longer one. Choose an earlier end, or ask an admin`);
  };
  /** Province-wide overrides are the admins'; a school's, those of anyone who may configure that school. */
  const mayConfigure = async (user: User, schoolId: number) => {
    if (schoolId === 0) {
      if (user.role !== 'admin') throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', 'only an admin may change a rule for the whole province; choose one of your schools');
      return;
    }
    authorize(user, 'alerts.configure', await schoolPlace(schoolId));
  };

  app.get<Route<'GET /api/alerts'>>('/alerts', { config: { access: 'alerts.read' }, preHandler: need('alerts.read'), schema: schemaOf('GET /api/alerts') },
    async (req) => reg.listAlerts(req.query, userScope(currentUser(req)), now()));

  app.get<Route<'GET /api/alerts/:id'>>('/alerts/:id', { config: { access: 'alerts.read' }, preHandler: need('alerts.read'), schema: schemaOf('GET /api/alerts/:id') }, async (req) => {
    const d = await reg.alertDetail(req.params.id, now());
    if (!d) throw gone(`alert ${req.params.id}`);
    authorize(currentUser(req), 'alerts.read', d.alert);
    return { alert: view(d.alert), history: d.history };
  });

  app.post<Route<'POST /api/alerts/:id/ack'>>('/alerts/:id/ack', { config: { access: 'alerts.act' },
    preHandler: need('alerts.act'), schema: schemaOf('POST /api/alerts/:id/ack'),
  }, async (req) => {
    const me = currentUser(req);
    const rec = await reg.alertRecord(req.params.id, now());
    if (!rec) throw gone(`alert ${req.params.id}`);
    authorize(me, 'alerts.act', rec);
    const comment = req.body.comment?.trim() || null;
    return reg.transaction(async (tx) => {
      const change = await tx.acknowledgeAlert(rec.id, { byUser: me.username, comment, at: now() });
      if (!change) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `alert ${rec.id} is ${rec.state} already; only a pending or firing alert can be acknowledged`);
      await tx.audit(me.username, 'alert.ack', 'alert', rec.id, { comment });
      await notify(tx, toEvent('acknowledged', change, comment));
      return view(change.alert);
    });
  });

  app.post<Route<'POST /api/alerts/ack'>>('/alerts/ack', { config: { access: 'alerts.act' }, preHandler: need('alerts.act'), schema: schemaOf('POST /api/alerts/ack') }, async (req) => {
    const me = currentUser(req);
    const comment = req.body.comment?.trim() || null;
    return reg.transaction(async (tx): Promise<BulkAckResponse> => {
      const out: BulkAckResponse = { acknowledged: [], skipped: [] };
      for (const id of [...new Set(req.body.ids)]) {
        const rec = await tx.alertRecord(id, now());
        const change = rec && can(me, 'alerts.act', rec) ? await tx.acknowledgeAlert(id, { byUser: me.username, comment, at: now() }) : undefined;
        if (!change) { out.skipped.push(id); continue; }
        out.acknowledged.push(id);
        await notify(tx, toEvent('acknowledged', change, comment));
      }
      if (out.acknowledged.length) await tx.audit(me.username, 'alert.ack', 'alert', out.acknowledged.join(','), { comment, ids: out.acknowledged });
      return out;
    });
  });

  app.post<Route<'POST /api/alerts/:id/resolve'>>('/alerts/:id/resolve', { config: { access: 'alerts.act' },
    preHandler: need('alerts.act'), schema: schemaOf('POST /api/alerts/:id/resolve'),
  }, async (req) => {
    const me = currentUser(req);
    const rec = await reg.alertRecord(req.params.id, now());
    if (!rec) throw gone(`alert ${req.params.id}`);
    authorize(me, 'alerts.act', rec);
    const reason = req.body.reason.trim();
    if (!reason) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', 'say why the alert is resolved');
    return reg.transaction(async (tx) => {
      const change = await tx.resolveAlert(rec.id, { byUser: me.username, reason, at: now() });
      if (!change) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `alert ${rec.id} is resolved already`);
      await tx.audit(me.username, 'alert.resolve', 'alert', rec.id, { reason });
      await notify(tx, toEvent('resolved', change, reason));
      return view(change.alert);
    });
  });

  app.get<Route<'GET /api/silences'>>('/silences', { config: { access: 'alerts.read' }, preHandler: need('alerts.read'), schema: schemaOf('GET /api/silences') }, async (req) => reg.listSilences(userScope(currentUser(req)), now()));

  app.post<Route<'POST /api/silences'>>('/silences', { config: { access: 'alerts.act' }, preHandler: need('alerts.act'), schema: schemaOf('POST /api/silences') }, async (req, reply) => {
    const me = currentUser(req);
    const place = await reg.silenceTarget(req.body.targetType, req.body.targetId);
    if (!place) throw gone(`${req.body.targetType} '${req.body.targetId}'`);
    authorize(me, 'alerts.act', place);
    mayLastThatLong(me, req.body.until - now());
    const created = await reg.transaction(async (tx) => {
      const s = await tx.createSilence({ ...req.body, byUser: me.username, at: now() });
      await tx.audit(me.username, 'silence.create', 'silence', s.id, { ...req.body });
      return s;
    });
    const { districtId: _d, ...body } = created;
    return reply.status(201).send(body);
  });

  app.post<Route<'POST /api/silences/:id/end'>>('/silences/:id/end', { config: { access: 'alerts.act' }, preHandler: need('alerts.act'), schema: schemaOf('POST /api/silences/:id/end') }, async (req) => {
    const me = currentUser(req);
    const s = await reg.silence(req.params.id);
    if (!s) throw gone(`silence ${req.params.id}`);
    authorize(me, 'alerts.act', s);
    const { districtId: _d, ...ended } = await reg.transaction(async (tx) => {
      const r = await tx.endSilence(s.id, me.username, now());
      await tx.audit(me.username, 'silence.end', 'silence', s.id, {});
      return r;
    });
    return ended;
  });

  app.get<Route<'GET /api/alert-rules'>>('/alert-rules', { config: { access: 'alerts.read' }, preHandler: need('alerts.read'), schema: schemaOf('GET /api/alert-rules') }, async (req) => {
    const scope = userScope(currentUser(req));
    const visible = scope ? new Set((await reg.schools(scope)).map((s) => s.id)) : undefined;
    return ruleViews((await reg.alertRuleOverrides()).filter((o) => !visible || o.schoolId === 0 || visible.has(o.schoolId)));
  });

  app.put<Route<'PUT /api/alert-rules/:rule/overrides'>>('/alert-rules/:rule/overrides', { config: { access: 'alerts.configure' },
    preHandler: need('alerts.configure'), schema: schemaOf('PUT /api/alert-rules/:rule/overrides'),
  }, async (req) => {
    const me = currentUser(req);
    const o = { kind: req.body.kind ?? '', schoolId: req.body.schoolId ?? 0, roomType: req.body.roomType ?? '', params: req.body.params };
    validateOverride(req.params.rule, o);
    await mayConfigure(me, o.schoolId);
    return reg.transaction(async (tx) => {
      const saved = await tx.upsertRuleOverride(req.params.rule, { ...o, byUser: me.username, at: now() });
      await tx.audit(me.username, 'alert-rule.override', 'alert-rule', req.params.rule, o);
      const { rule: _r, ...out } = saved;
      return out;
    });
  });

  app.delete<Route<'DELETE /api/alert-rules/overrides/:id'>>('/alert-rules/overrides/:id', { config: { access: 'alerts.configure' }, preHandler: need('alerts.configure'), schema: schemaOf('DELETE /api/alert-rules/overrides/:id') }, async (req) => {
    const me = currentUser(req);
    const o = await reg.ruleOverride(req.params.id);
    if (!o) throw gone(`rule override ${req.params.id}`);
    await mayConfigure(me, o.schoolId);
    await reg.transaction(async (tx) => {
      await tx.deleteRuleOverride(o.id);
      await tx.audit(me.username, 'alert-rule.override.delete', 'alert-rule', o.rule, { id: o.id, kind: o.kind, schoolId: o.schoolId, roomType: o.roomType });
    });
    return { id: o.id, removed: true as const };
  });
};
