import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import type { ImportJob, PlacesImportJob } from '../../../api/index.js';
import type { BodyOf, ParamsOf, QueryOf } from '../../../api/routes.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { startOrRetryAfter, UserRate } from '../export-jobs.js';
import { ImportAdmission } from '../import-admission.js';
import { equipmentImports, placesImports, type ImportJobs, type JobView } from '../import-jobs.js';
import { exportRows, toCsv, toXlsx } from '../../../registry/export.js';
import { placesCsv, placesRows, placesXlsx } from '../../../registry/import/index.js';
import { localDate } from '../../../timetable/index.js';
import { authorize, userScope, type Action } from '../scope.js';

const FILE_TYPES = ['text/csv', 'application/octet-stream', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/vnd.ms-excel'];


/** Where each kind of import lives, under /api/. */
type JobPrefix = 'imports' | 'imports/places';
/** The job each kind's routes answer (GET /api/<prefix>/:id in api/routes.ts). */
type JobOf<P extends JobPrefix> = P extends 'imports' ? ImportJob : PlacesImportJob;
/** Both kinds' routes take the same params, query and body (api/routes.ts); `jobRoutes` ties each one's answer to the contract. */
type JobRoute = {
  Params: ParamsOf<'GET /api/imports/:id'>;
  Querystring: QueryOf<'POST /api/imports'>;
  Body: BodyOf<'POST /api/imports/:id/apply'>;
  Reply: JobView;
};

/** A preHandler: signed in, and allowed `action`. */
function allowed(action: Action) {
  return async (req: FastifyRequest): Promise<void> => {
    await requireUser(req);
    authorize(currentUser(req), action);
  };
}

/**
 * POST /api/<prefix>?name=FILE with the file as the body (202, a job), GET /api/<prefix>/:id to follow it,
 * POST /api/<prefix>/:id/apply to confirm; each only for users allowed `action`.
 */
function jobRoutes<P extends JobPrefix, Plan extends { refused: readonly unknown[] }>(
  app: FastifyInstance, deps: DashboardDeps, prefix: P, jobs: ImportJobs<JobOf<P>, Plan>, action: Action, admission: ImportAdmission,
): void {
  const mayImport = allowed(action);
  app.post<Omit<JobRoute, 'Body'>>(`/${prefix}`, { config: { access: action, bodyTypes: FILE_TYPES },
    // Signed in, allowed, and admitted BEFORE the body is read: a refused upload is never held in memory.
    preParsing: async (req, reply, payload) => {
      await mayImport(req);
      await admission.admit(req, reply, currentUser(req).id);
      return payload;
    },
    preHandler: mayImport, bodyLimit: deps.config.imports.maxUploadBytes, schema: schemaOf(`POST /api/${prefix}`),
  }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', 'send the file itself as the request body (content type text/csv or the XLSX type)');
    }
    return reply.status(202).send(await jobs.start(currentUser(req), req.query.name, req.body, admission.handOver(req)));
  });
  app.get<JobRoute>(`/${prefix}/:id`, { config: { access: action }, preHandler: mayImport, schema: schemaOf(`GET /api/${prefix}/:id`) }, async (req) =>
    jobs.get(currentUser(req), req.params.id));
  app.post<JobRoute>(`/${prefix}/:id/apply`, { config: { access: action },
    preHandler: mayImport, schema: schemaOf(`POST /api/${prefix}/:id/apply`),
  }, async (req) => {
    const job = await jobs.apply(currentUser(req), req.params.id, req.body.applyValid ?? false);
    await deps.directory.refresh();
    return job;
  });
}

/**
 * The web imports. The equipment register: admins and technicians; a technician's rows outside their schools are
 * refused, each with its line. The Sở's list of districts, schools and sites, in the same three steps under
 * /api/imports/places: creating schools is the Sở's own business, the editSchools permission (admins), 403 for
 * everyone else.
 */
export const importRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  // The file arrives as it is on disk; only this plugin's routes take raw bodies, and only this large (a Sở's full
  // register is a few thousand rows; the 20 MB default leaves room for an XLSX with formatting).
  const limits = deps.config.imports;
  app.addContentTypeParser(FILE_TYPES, { parseAs: 'buffer', bodyLimit: limits.maxUploadBytes }, (_req, body, done) => done(null, body));
  // One upload read at a time per user and imports.maxInFlight in all, whichever kind (docs/security.md, Queues and bounds).
  const admission = new ImportAdmission(limits.maxInFlight, deps.registry, deps.clock);
  jobRoutes(app, deps, 'imports', equipmentImports(deps.registry, limits, deps.clock), 'records.write', admission);
  jobRoutes(app, deps, 'imports/places', placesImports(deps.registry, limits, deps.clock), 'schools.write', admission);
  // GET /api/places.csv and /api/places.xlsx: the whole list, in the columns the import reads.
  const rate = new UserRate(deps.registry, 'places', deps.config.dashboard.exportsPerUserPerMin, deps.clock);
  app.get<Route<'GET /api/places.:format'>>('/places.:format', { config: { access: 'user' }, preHandler: allowed('schools.write'), schema: schemaOf('GET /api/places.:format') }, async (req, reply) => {
    await startOrRetryAfter(reply, () => rate.take(currentUser(req).id));
    const rows = await placesRows(deps.registry);
    reply.header('content-disposition', `attachment; filename="danh-sach-truong-${localDate(deps.clock.now())}.${req.params.format}"`);
    if (req.params.format === 'csv') return reply.type('text/csv; charset=utf-8').send(placesCsv(rows));
    return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await placesXlsx(rows));
  });
};

/**
 * GET /api/register.csv and /api/register.xlsx: the equipment register within the user's scope, with the headers the
 * importer reads (an export imports back unchanged). Every role may read its own part.
 */
export const registerExportRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  // Each download reads the whole register in scope: counted like the report exports.
  const rate = new UserRate(deps.registry, 'register', deps.config.dashboard.exportsPerUserPerMin, deps.clock);
  app.get<Route<'GET /api/register.:format'>>('/register.:format', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/register.:format') }, async (req, reply) => {
    await startOrRetryAfter(reply, () => rate.take(currentUser(req).id));
    const rows = await exportRows(deps.registry, userScope(currentUser(req)));
    const today = localDate(deps.clock.now());
    const name = `so-thiet-bi-${today}.${req.params.format}`;
    reply.header('content-disposition', `attachment; filename="${name}"`);
    if (req.params.format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(rows));
    return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await toXlsx(rows));
  });
};
