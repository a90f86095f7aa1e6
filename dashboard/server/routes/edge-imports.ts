import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../../lib/private-files.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { EdgeImportJobs } from '../edge-import-jobs.js';
import { ImportAdmission } from '../import-admission.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize } from '../scope.js';

const FILE_TYPE = 'application/octet-stream';

const tooLarge = (max: number) => new EdufleetError('EDUFLEET_ERR_IMPORT_LIMIT', `the edge file is larger than edge.maxUploadBytes (${max} bytes); import it with \`edufleet edge import\` on the server`);

/**
 * POST /api/edges/imports?name=FILE.efe with an edge's export file as the body (202, a job to poll), GET
 * /api/edges/imports/:id. Admins only. The body is streamed to a file in the data directory, bounded by
 * edge.maxUploadBytes (an edge file can be far larger than a sheet, so it is never held in memory), and admitted before
 * it is read, one upload at a time per user (docs/security.md, Queues and bounds).
 */
export const edgeImportRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const max = deps.config.edge.maxUploadBytes;
  const dir = path.join(deps.config.dataDir, 'edge-imports');
  const jobs = new EdgeImportJobs({ config: deps.config, registry: deps.registry, directory: deps.directory, log: deps.log, clock: deps.clock });
  const admission = new ImportAdmission(deps.config.imports.maxInFlight, deps.registry, deps.clock);
  // The body stays a stream: the handler writes it to disk as it arrives.
  app.addContentTypeParser(FILE_TYPE, (_req, payload, done) => done(null, payload));
  const mayImport = async (req: FastifyRequest) => {
    await requireUser(req);
    authorize(currentUser(req), 'edges.import');
  };

  app.post<Route<'POST /api/edges/imports'>>('/edges/imports', { config: { access: 'edges.import', bodyTypes: [FILE_TYPE] },
    preParsing: async (req, reply, payload) => {
      await mayImport(req);
      if (Number(req.headers['content-length'] ?? 0) > max) throw tooLarge(max);
      await admission.admit(req, reply, currentUser(req).id);
      return payload;
    },
    preHandler: mayImport, schema: schemaOf('POST /api/edges/imports'),
  }, async (req, reply) => {
    const slot = admission.handOver(req);
    ensurePrivateDir(dir);
    const file = path.join(dir, `${randomBytes(9).toString('base64url')}.efe`);
    let bytes = 0;
    const bound = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb(bytes > max ? tooLarge(max) : null, chunk);
      },
    });
    try {
      // Only the file type's parser leaves a stream to read: a JSON body arrives parsed, and no body at all as nothing.
      if (!(req.body instanceof Readable)) throw new EdufleetError('EDUFLEET_ERR_EDGE_FILE', 'send the edge export file itself as the request body (application/octet-stream)');
      await pipeline(req.body, bound, createWriteStream(file, { mode: PRIVATE_FILE_MODE }));
      if (bytes === 0) throw new EdufleetError('EDUFLEET_ERR_EDGE_FILE', 'send the edge export file itself as the request body (application/octet-stream)');
    } catch (err) {
      rmSync(file, { force: true });
      slot.release();
      throw err;
    }
    return reply.status(202).send(await jobs.start(currentUser(req), req.query.name, file, slot));
  });

  app.get<Route<'GET /api/edges/imports/:id'>>('/edges/imports/:id', { config: { access: 'edges.import' }, preHandler: mayImport, schema: schemaOf('GET /api/edges/imports/:id') },
    async (req) => jobs.get(currentUser(req), req.params.id));
};
